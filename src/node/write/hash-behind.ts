import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * SHA-256 of a stream being written, off the writer's thread once the stream is large: hashing
 * 1 GiB took 0.8 s of the main thread (measured, `params export`), time the writer could spend
 * on reading, CRCs and system calls. Small streams are hashed here at the end, as a worker costs
 * more to start than they take.
 */

/** Bytes kept (as copies) before a worker starts; a stream shorter than this is hashed inline. */
const INLINE_LIMIT = 8 * 1024 * 1024;
/**
 * Bytes are copied into slabs of this size, which go to the worker and come back to be filled
 * again: buffers the worker dropped would be freed only when its own heap is collected, which
 * took the RSS of a 1 GiB export from 80 to 200 MB (measured).
 */
const SLAB = 1024 * 1024;
/** Most slabs sent and not yet hashed: `update` waits beyond this, so memory stays bounded. */
const SLABS = 32;

/** Eval'd like zstd-pool's workers (no worker file exists when the TypeScript sources run). */
const WORKER_CODE = `
(async () => {
  const { parentPort } = await import('node:worker_threads');
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  parentPort.on('message', (m) => {
    if (m === null) return parentPort.postMessage({ digest: hash.digest('hex') });
    hash.update(new Uint8Array(m.slab, 0, m.length));
    parentPort.postMessage({ slab: m.slab, length: m.length }, [m.slab]);
  });
})();
`;

/** A SHA-256 fed in order; see {@link createHashBehind}. */
export interface HashBehind {
  /** Adds bytes (copied: the caller may reuse the buffer at once); waits while too many are queued. */
  update(bytes: Uint8Array): Promise<void>;
  /** The hex digest of every byte given; call once, after the last `update`. */
  digest(): Promise<string>;
  /** Stops the worker, if any (idempotent; after `digest` or to abandon the hash). */
  close(): Promise<void>;
}

/** Options of `createHashBehind`. */
export interface HashBehindOptions {
  /**
   * Whether large streams are hashed on a worker. Writers that compress turn it off: their
   * codec's threads keep the cores busy, and a 1 GiB `.tar.zst` got slower with it (measured).
   * @default true
   */
  worker?: boolean;
}

/**
 * A SHA-256 computed on a worker thread once more than INLINE_LIMIT bytes arrive. The worker holds
 * the event loop until `close`, so a pending `digest` can never be dropped by an exiting process:
 * callers close it in a `finally`.
 */
export function createHashBehind(options: HashBehindOptions = {}): HashBehind {
  if (options.worker === false) return hashInline();
  let kept: Uint8Array[] | undefined = []; // copies, until the worker starts
  let keptBytes = 0;
  let worker: Worker | undefined;
  let failed: Error | undefined;
  const free: ArrayBuffer[] = [];
  let out = 0; // slabs at the worker
  let waiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
  let digestWaiter: { resolve: (hex: string) => void; reject: (e: Error) => void } | undefined;

  const fail = (e: Error) => {
    failed ??= e;
    waiter?.reject(failed);
    digestWaiter?.reject(failed);
    waiter = digestWaiter = undefined;
  };
  const send = (slab: ArrayBuffer, length: number) => {
    out++;
    (worker as Worker).postMessage({ slab, length }, [slab]);
  };
  const start = () => {
    const w = new Worker(WORKER_CODE, { eval: true });
    worker = w;
    w.on('message', (m: { slab: ArrayBuffer; length: number } | { digest: string }) => {
      if ('digest' in m) {
        digestWaiter?.resolve(m.digest);
        digestWaiter = undefined;
        return;
      }
      out--;
      if (m.slab.byteLength === SLAB) free.push(m.slab);
      waiter?.resolve();
      waiter = undefined;
    });
    w.on('error', (e) => fail(new Error(`sha256: hashing worker failed: ${e.message}`, { cause: e })));
    w.on('exit', (code) => fail(new Error(`sha256: hashing worker exited (code ${code}) before finishing`)));
    for (const copy of kept ?? []) send(copy.buffer as ArrayBuffer, copy.byteLength);
    kept = undefined;
  };

  return {
    async update(bytes) {
      if (failed !== undefined) throw failed;
      if (kept !== undefined) {
        if (bytes.byteLength === 0) return;
        kept.push(new Uint8Array(bytes)); // a new buffer of exactly these bytes, ours to transfer
        keptBytes += bytes.byteLength;
        if (keptBytes > INLINE_LIMIT) start();
        return;
      }
      for (let pos = 0; pos < bytes.byteLength; pos += SLAB) {
        while (out >= SLABS) await new Promise<void>((resolve, reject) => (waiter = { resolve, reject }));
        const piece = bytes.subarray(pos, pos + SLAB);
        const slab = free.pop() ?? new ArrayBuffer(SLAB);
        new Uint8Array(slab).set(piece);
        send(slab, piece.byteLength);
      }
    },
    async digest() {
      if (failed !== undefined) throw failed;
      if (kept !== undefined) {
        const hash = createHash('sha256');
        for (const copy of kept) hash.update(copy);
        kept = [];
        return hash.digest('hex');
      }
      const hex = new Promise<string>((resolve, reject) => (digestWaiter = { resolve, reject }));
      (worker as Worker).postMessage(null);
      return hex;
    },
    async close() {
      kept = [];
      const w = worker;
      worker = undefined;
      fail(new Error('sha256: hash closed'));
      if (w === undefined) return;
      w.removeAllListeners('exit');
      await w.terminate();
    },
  };
}

/** The same contract, on this thread. */
function hashInline(): HashBehind {
  let hash: Hash | undefined = createHash('sha256');
  const closed = () => new Error('sha256: hash closed');
  return {
    async update(bytes) {
      if (hash === undefined) throw closed();
      hash.update(bytes);
    },
    async digest() {
      if (hash === undefined) throw closed();
      return hash.digest('hex');
    },
    async close() {
      hash = undefined;
    },
  };
}
