export * from './relay.js';
export * from './table.js';
