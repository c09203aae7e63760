// Runs the layered layout in a Web Worker built from an inlined bundle (a Blob URL works from
// http:// and from file://); falls back to the main thread when workers are unavailable.
import { type LayoutResult, layeredLayout } from './layout.js';

/** The worker bundle's source text, injected by viewer/build.js. */
declare const __LAYOUT_WORKER__: string;

let workerUrl: string | undefined;

function makeWorker(): Worker | undefined {
  try {
    workerUrl ??= URL.createObjectURL(new Blob([__LAYOUT_WORKER__], { type: 'text/javascript' }));
    return new Worker(workerUrl);
  } catch {
    return undefined; // e.g. a CSP without blob: workers; the inline fallback below still works
  }
}

/** Lays out `n` nodes with edges `from[i] → to[i]` off the main thread when possible. */
export function layoutInWorker(n: number, from: Int32Array, to: Int32Array): Promise<LayoutResult> {
  const worker = makeWorker();
  if (worker === undefined) return Promise.resolve(layeredLayout(n, from, to));
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<LayoutResult>) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`layout worker failed: ${e.message}`));
    };
    worker.postMessage({ n, from, to }, [from.buffer, to.buffer]);
  });
}
