export * from './config.js';
export * from './embedder.js';
export * from './hash.js';
export * from './openai.js';
