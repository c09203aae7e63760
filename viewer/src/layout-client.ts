// Runs layouts in a Web Worker built from an inlined bundle (a Blob URL works from http:// and
// from file://); falls back to the main thread when workers are unavailable.
import { type LayoutResult, layeredLayout } from '../../src/core/graph/layered-layout.js';
import type { GraphDrawing } from '../../src/core/report/graph-drawing.js';
import { type GraphLayout, layoutGraphDrawing } from '../../src/core/report/graph-layout.js';
import type { LayoutRequest } from './layout-worker.js';

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

function inWorker<T>(req: LayoutRequest, transfer: Transferable[], inline: () => T): Promise<T> {
  const worker = makeWorker();
  if (worker === undefined) return Promise.resolve().then(inline);
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<T>) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`layout worker failed: ${e.message}`));
    };
    worker.postMessage(req, transfer);
  });
}

/** Lays out `n` point nodes with edges `from[i] → to[i]` off the main thread when possible. */
export function layoutInWorker(n: number, from: Int32Array, to: Int32Array): Promise<LayoutResult> {
  return inWorker({ kind: 'points', n, from, to }, [from.buffer, to.buffer], () => layeredLayout(n, from, to));
}

/** Lays out a box drawing (dagre or the layered fallback, by size) off the main thread when possible. */
export function layoutDrawingInWorker(drawing: GraphDrawing): Promise<GraphLayout> {
  return inWorker({ kind: 'drawing', drawing }, [], () => layoutGraphDrawing(drawing));
}
