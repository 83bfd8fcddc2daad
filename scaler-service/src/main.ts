#!/usr/bin/env node
import { createLogger, exitOnStartError, stopOnSignals } from '@autoserve/runtime';
import { loadConfig, startScalerService } from './app.js';

try {
  const config = loadConfig(process.env);
  const log = createLogger({ name: 'scaler', level: config.server.logLevel });
  const service = await startScalerService(config, log);
  stopOnSignals(log, () => service.stop());
} catch (err) {
  exitOnStartError(err);
}
