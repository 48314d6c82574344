export * from './topology.js';
export * from './array.js';
