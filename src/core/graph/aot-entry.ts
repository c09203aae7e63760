// The entry wrapper `tvmgen_<m>_run`: how the application calls the module, and what each
// parameter of the AOT main receives (an input or output field, a pool, a device context).
import { type CTokens, isToken, TK, tokenText } from './aot-lex.js';
import { functionParams, isPackedSignature } from './aot-callee.js';
import type { AotEntry } from './aot-model.js';
import type { ScannedSources } from './aot-scan.js';
import { pointerPath, splitTop } from './aot-syntax.js';

/** What one parameter of the main receives from the wrapper; undefined when not recognisable. */
export type MainParamRole = { kind: 'input' | 'output' | 'pool' | 'device'; name: string } | undefined;

/** The wrapper and the role of each main parameter, or null when the wrapper is not in the sources. */
export function readEntry(
  scanned: ScannedSources,
  module: string,
  main: string,
): { entry: AotEntry; params: MainParamRole[] } | null {
  for (const name of new Set([`tvmgen_${module}_run`, `tvmgen_${module.toLowerCase()}_run`])) {
    const loc = scanned.functions.get(name);
    if (loc === undefined || loc.span.bodyOpen < 0) continue;
    const t = scanned.tokens[loc.file] as CTokens;
    const params = functionParams(t, loc.span);
    const style = params[0]?.type.startsWith('struct') ? 'c' : isPackedSignature(params) ? 'packed' : 'raw';
    const entry: AotEntry = { name, style, member: scanned.sources[loc.file]?.path ?? '' };
    let roles: MainParamRole[] = [];
    for (let i = loc.span.bodyOpen + 1; i < loc.span.bodyClose; i++) {
      if (t.kind[i] === TK.ident && isToken(t, i + 1, '(') && tokenText(t, i) === main) {
        roles = splitTop(t, i + 1).map(([a, b]) => roleOf(t, a, b));
        break;
      }
    }
    return { entry, params: roles };
  }
  return null;
}

function roleOf(t: CTokens, from: number, to: number): MainParamRole {
  const p = pointerPath(t, from, to);
  if (p === null) return undefined;
  const first = p.steps[0];
  const field = p.steps.length === 1 && first !== undefined && 'field' in first ? first.field : null;
  if (!p.addressOf && field !== null) {
    if (p.root === 'inputs') return { kind: 'input', name: field };
    if (p.root === 'outputs') return { kind: 'output', name: field };
    if (p.root === 'workspace_pools') return { kind: 'pool', name: field };
    if (p.root === 'devices') return { kind: 'device', name: field };
  }
  // Internal USMP pools: `((uint8_t*)&global_workspace)`.
  if (p.addressOf && p.steps.length === 0) return { kind: 'pool', name: p.root };
  return undefined;
}
