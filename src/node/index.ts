/** Node additions: files and folders on disk. Re-exports the browser-safe core. */
export * from '../core/index.js';
export * from './read/open.js';
export * from './read/source.js';
export * from './write/atomic.js';
export * from './write/compress.js';
export * from './write/write-archive.js';
export * from './write/unpack.js';
export * from './runner/project/index.js';
export * from './runner/run.js';
export * from './runner/board/index.js';
export * from './runner/footprint.js';
export * from './runner/cache.js';
export * from './runner/elf.js';
export * from './trust/sign.js';
export * from './read/params-hash.js';
export * from './read/inflate.js';
