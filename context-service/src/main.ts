#!/usr/bin/env node
import { createLogger, exitOnStartError, stopOnSignals } from '@autoserve/runtime';
import { loadConfig, startContextService } from './app.js';

try {
  const config = loadConfig(process.env);
  const log = createLogger({ name: 'context', level: config.server.logLevel });
  const service = await startContextService(config, log);
  stopOnSignals(log, () => service.stop());
} catch (err) {
  exitOnStartError(err);
}
