// What the viewer and report show of a module beyond its graph JSON: the AOT main as a node
// table with its memory layout, and the Relay @main as a node table. Browser-safe.
import { type MlfArchive, type MlfModule, readText } from '../archive/archive.js';
import { isMlfError } from '../errors/errors.js';
import type { AotMemoryLayout } from '../graph/aot-memory.js';
import { aotGraphTable } from './aot-view.js';
import { fusedMembers, relayGraphTable } from './relay-view.js';
import type { GraphTable } from './graph-table.js';

/** An AOT module's fused graph and memory layout, ready to draw. */
export interface AotView {
  table: GraphTable;
  layout: AotMemoryLayout;
  /** Fused function → the operators its name lists (where the name reveals them). */
  members: Record<string, string[]>;
}

/** The extra views of one module; null where the module has nothing to show (or it cannot be read). */
export interface ModuleViews {
  aot: AotView | null;
  relay: GraphTable | null;
}

/** Reads a module's AOT main and Relay text into views; unreadable parts become null, never errors. */
export async function loadModuleViews(archive: MlfArchive, m: MlfModule): Promise<ModuleViews> {
  const quiet = async <T>(f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (e) {
      if (isMlfError(e)) return null;
      throw e;
    }
  };
  // The Relay and AOT readers are loaded on demand (their own chunks in a split browser bundle).
  const relayLib = m.files.relay === null && m.executor !== 'aot' ? null : await import('../graph/relay-graph.js');
  const relay =
    relayLib === null || m.files.relay === null
      ? null
      : await quiet(async () =>
          relayLib.analyzeRelay(await readText(archive, m.files.relay as string), { member: m.files.relay as string }),
        );
  const aot =
    m.executor === 'aot'
      ? await quiet(async () => (await import('../graph/aot-archive.js')).analyzeAotModule(archive, m))
      : null;
  let aotView: AotView | null = null;
  if (aot !== null) {
    const calls = relay === null ? [] : relay.program.nodes.filter((n) => n.kind === 'call').map((n) => n.name);
    const known = [...calls, ...(relayLib?.inferredOperators() ?? [])];
    const members = Object.create(null) as Record<string, string[]>;
    for (const c of aot.main.calls) {
      const list = fusedMembers(c.callee, aot.main.module, known);
      if (list !== null) members[c.callee] = list;
    }
    aotView = { table: aotGraphTable(aot.main), layout: aot.layout, members };
  }
  return { aot: aotView, relay: relay === null ? null : relayGraphTable(relay) };
}
