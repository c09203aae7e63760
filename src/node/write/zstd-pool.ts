import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * A pool of worker threads compressing independent zstd frames with the WASM codec, for Node
 * releases whose zlib has no zstd. Frames are independent, so they are compressed in parallel. The workers run eval'd code that loads the codec by its resolved path: a
 * worker file next to this module would not exist when the TypeScript sources run (vitest).
 */

/**
 * What each worker runs: init the codec once, then one reply per slice, in order of arrival.
 * Workers inherit the parent's flags, and `--input-type=module` makes eval code ESM, so the code
 * works as either: dynamic imports only, and `createRequire` for the CommonJS codec.
 */
const WORKER_CODE = `
(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const { createRequire } = await import('node:module');
  const zstd = createRequire(workerData.zstdPath)(workerData.zstdPath);
  const ready = Promise.resolve(typeof zstd.init === 'function' ? zstd.init() : undefined);
  parentPort.on('message', ({ id, data }) => {
    ready
      .then(() => {
        const out = zstd.compress(data, workerData.level);
        parentPort.postMessage({ id, out, data }, [out.buffer, data.buffer]);
      })
      .catch((e) => parentPort.postMessage({ id, error: String((e && e.message) || e) }));
  });
})();
`;

/** Options of `createZstdPool`. */
export interface ZstdPoolOptions {
  /** zstd level, already validated (1-22). */
  level: number;
  /** Most worker threads. @default min(availableParallelism(), 4) */
  workers?: number;
  /**
   * The CommonJS codec module to load: `compress(bytes, level)`, and an optional async `init()`.
   * Tests point it at a failing one. @default `@dweb-browser/zstd-wasm`
   */
  zstdPath?: string;
}

/** Compresses slices into independent frames on worker threads. */
export interface ZstdPool {
  /**
   * One slice into one frame. The slice's buffer is transferred: the caller must own all of it.
   * It comes back, for `spare`, when the frame is done.
   */
  compress(slice: Uint8Array): Promise<Uint8Array>;
  /** A buffer of `size` bytes back from a finished frame (old contents), if there is one. */
  spare(size: number): Uint8Array | undefined;
  /** Most worker threads. */
  readonly workers: number;
  /** Frames being compressed (given to `compress`, not yet finished). */
  readonly busy: number;
  /** Resolves when the next frame finishes (or fails). */
  finished(): Promise<void>;
  /** Terminates every worker; pending frames reject. */
  close(): Promise<void>;
}

/** The WASM build of libzstd (1.5.6, through zstd-rs; about twice the speed of the Emscripten builds measured). */
export const WASM_ZSTD = '@dweb-browser/zstd-wasm';

interface Job {
  resolve: (frame: Uint8Array) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

type Reply = { id: number; out: Uint8Array; data: Uint8Array; error?: undefined } | { id: number; error: string };

/**
 * Starts workers lazily, one more whenever all are busy (a one-frame archive starts one). A worker
 * holds the event loop only while it has work, so a forgotten pool cannot keep a process alive;
 * any worker failure rejects its frames and every later one with a message saying so.
 */
export function createZstdPool(options: ZstdPoolOptions): ZstdPool {
  const max = Math.max(1, options.workers ?? Math.min(availableParallelism(), 4));
  const zstdPath = options.zstdPath ?? createRequire(import.meta.url).resolve(WASM_ZSTD);
  const slots: Slot[] = [];
  const spares: ArrayBuffer[] = []; // slice buffers back from the workers: no allocation, no garbage per frame
  let nextId = 0;
  let broken: Error | undefined;
  let closing = false;
  const waiting: (() => void)[] = [];
  const wake = () => {
    for (const resolve of waiting.splice(0)) resolve();
  };

  const fail = (slot: Slot, e: Error) => {
    broken ??= e;
    for (const job of slot.jobs.values()) job.reject(e);
    slot.jobs.clear();
    wake();
  };
  const start = (): Slot => {
    const worker = new Worker(WORKER_CODE, { eval: true, workerData: { zstdPath, level: options.level } });
    const slot: Slot = { worker, jobs: new Map() };
    worker.on('message', (reply: Reply) => {
      const job = slot.jobs.get(reply.id);
      slot.jobs.delete(reply.id);
      // Once closing, a worker must hold the loop until it exits, or `close()` never settles.
      if (slot.jobs.size === 0 && !closing) worker.unref();
      if (reply.error !== undefined) job?.reject(new Error(`zstd: compression worker failed: ${reply.error}`));
      else {
        spares.push(reply.data.buffer as ArrayBuffer);
        job?.resolve(reply.out);
      }
      wake();
    });
    worker.on('error', (e) => fail(slot, new Error(`zstd: compression worker failed: ${e.message}`, { cause: e })));
    worker.on('exit', (code) =>
      fail(slot, new Error(`zstd: compression worker exited (code ${code}) before finishing`)),
    );
    slots.push(slot);
    return slot;
  };
  const pick = (): Slot => {
    let best = slots[0];
    for (const s of slots) if (best === undefined || s.jobs.size < best.jobs.size) best = s;
    if (best === undefined || (best.jobs.size > 0 && slots.length < max)) return start();
    return best;
  };

  return {
    workers: max,
    get busy() {
      return slots.reduce((n, s) => n + s.jobs.size, 0);
    },
    finished: () => new Promise<void>((resolve) => waiting.push(resolve)),
    compress(slice) {
      if (broken !== undefined) return Promise.reject(broken);
      const slot = pick();
      const id = nextId++;
      return new Promise<Uint8Array>((resolve, reject) => {
        slot.jobs.set(id, { resolve, reject });
        slot.worker.ref();
        slot.worker.postMessage({ id, data: slice }, [slice.buffer as ArrayBuffer]);
      });
    },
    spare(size) {
      const i = spares.findIndex((b) => b.byteLength === size);
      return i < 0 ? undefined : new Uint8Array(spares.splice(i, 1)[0] as ArrayBuffer);
    },
    async close() {
      broken ??= new Error('zstd: compression pool closed');
      closing = true;
      // A reply still queued is delivered after `terminate()`; the refs outlive it (see 'message').
      for (const s of slots) s.worker.ref();
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
