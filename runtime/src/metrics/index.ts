export * from './app-metrics.js';
export * from './pool.js';
export * from './registry.js';
export * from './server.js';
