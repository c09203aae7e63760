// Generated C files tokenized and indexed once: functions by name, file-scope arrays, and the
// module names whose AOT main they define.
import { type CFileScope, type CFunctionSpan, type CTokens, scanFileScope, tokenizeC } from './aot-lex.js';

/** A generated C file. */
export interface CSource {
  path: string;
  text: string;
}

/** A function and the file it is in. */
export interface Located {
  file: number;
  span: CFunctionSpan;
}

/** Tokens and file-scope facts of a set of sources. */
export interface ScannedSources {
  sources: readonly CSource[];
  tokens: CTokens[];
  /** Functions by name (a definition wins over a declaration) and file-scope arrays. */
  functions: Map<string, Located>;
  arrays: CFileScope['arrays'];
}

/** Tokenizes every source and indexes its functions and arrays. */
export function scanSources(sources: readonly CSource[], maxTokens?: number): ScannedSources {
  const tokens = sources.map((s) =>
    tokenizeC(s.text, { member: s.path, ...(maxTokens === undefined ? {} : { maxTokens }) }),
  );
  const functions = new Map<string, Located>();
  const arrays: CFileScope['arrays'] = new Map();
  tokens.forEach((tk, file) => {
    const sc = scanFileScope(tk);
    for (const [name, span] of sc.functions) {
      const prev = functions.get(name);
      if (prev === undefined || (prev.span.bodyOpen < 0 && span.bodyOpen >= 0)) functions.set(name, { file, span });
    }
    for (const [name, a] of sc.arrays) if (!arrays.has(name) || a.struct === null) arrays.set(name, a);
  });
  return { sources, tokens, functions, arrays };
}

/** Module names whose AOT main (`tvmgen_<m>___tvm_main__` or `tvmgen_<m>_run_model`) is defined. */
export function findAotModules(scanned: ScannedSources): string[] {
  const out: string[] = [];
  for (const [name, f] of scanned.functions) {
    if (f.span.bodyOpen < 0) continue;
    for (const suffix of ['___tvm_main__', '_run_model']) {
      if (name.startsWith('tvmgen_') && name.endsWith(suffix) && name.length > 7 + suffix.length)
        out.push(name.slice(7, -suffix.length));
    }
  }
  return out;
}
