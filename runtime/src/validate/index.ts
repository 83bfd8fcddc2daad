// The request field checks of both services, in one vocabulary: field first, then value, then bounds.
export * from './numbers.js';
export * from './text.js';
export * from './time.js';
