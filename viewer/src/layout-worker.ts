// Web Worker entry: lays out the graph off the main thread. Typed arrays travel both ways as
// transferables, so a 50k-node graph costs no copies.
import { layeredLayout } from './layout.js';

/** Request: node count and edge lists. */
export interface LayoutRequest {
  n: number;
  from: Int32Array;
  to: Int32Array;
}

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<LayoutRequest>) => void) | null;
  postMessage(m: unknown, t: Transferable[]): void;
};
scope.onmessage = (e) => {
  const { n, from, to } = e.data;
  const r = layeredLayout(n, from, to);
  scope.postMessage({ x: r.x, y: r.y, layer: r.layer, layers: r.layers }, [r.x.buffer, r.y.buffer, r.layer.buffer]);
};
