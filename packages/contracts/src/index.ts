export * from './envelope.js';
export * from './events.js';
export * from './codec.js';
export * from './errors.js';
export * from './protocol.js';
