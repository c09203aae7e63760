/** Relay text for test/core/graph/relay-infer*.test.ts. */
import { MlfError } from '../../src/core/errors/errors.js';
import { analyzeRelay } from '../../src/core/graph/relay-graph.js';

/** A Relay tensor type. */
export const T = (dims: string, dt = 'float32') => `Tensor[(${dims}), ${dt}]`;

/** 'ok' when `analyzeRelay` reads `text`, else the MlfError's code and offset (`MLF-E311@38`). */
export function relayCode(text: string): string {
  try {
    analyzeRelay(text);
    return 'ok';
  } catch (e) {
    if (!(e instanceof MlfError)) throw e;
    return `${e.code}@${e.offset}`;
  }
}
