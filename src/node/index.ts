/** Node additions: files and folders on disk. Re-exports the browser-safe core. */
export * from '../core/index.js';
export * from './open.js';
export * from './source.js';
export * from './write.js';
export * from './compress.js';
export * from './write-archive.js';
export * from './unpack.js';
export * from './project/index.js';
export * from './run.js';
export * from './footprint.js';
export * from './cache.js';
export * from '../core/elf.js';
export * from './sign.js';
export * from './params-hash.js';
export * from './inflate.js';
