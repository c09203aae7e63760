import { type Diagnostic, diagnostic, MlfError } from '../errors/errors.js';
import { isRecord, jsonPath, parseJsonText, utf8Length } from '../common/json.js';
import { type Limits, resolveLimits } from '../common/limits.js';
import { checkShape } from '../common/shape.js';
import {
  type ExternalDependency,
  type MainEntry,
  metadataShapeFor,
  type OperatorBuffer,
  type OperatorFunctionEntry,
  type SidEntry,
} from './schema.js';

/** Format versions this library reads. TVM froze the format at 7 (December 2024). */
export const SUPPORTED_VERSIONS = [1, 2, 3, 4, 5, 6, 7] as const;

/** The two kinds of archive: from `relay.build` (full-model) or from `tvm.build` (operator). */
export type MlfStyle = 'full-model' | 'operator';

/**
 * One module of the canonical metadata model. Old key spellings are normalised here (`runtimes`
 * → executors, dict-shaped `target` → list, v1 list-shaped `memory` → sids); the memory records
 * keep TVM's wire keys (`storage_id`, `workspace_size_bytes`, ...).
 */
export interface ModuleMetadata {
  /** Module name: the `modules` key in v7, `model_name` before. */
  name: string;
  modelName: string;
  exportDatetime: string;
  executors: string[];
  targets: string[];
  /** Device type of each target when `target` was dict-shaped (v1-v5), else null. */
  targetDevices: number[] | null;
  style: MlfStyle;
  /** Graph-executor storage map; null when the metadata has none (AOT, operator style). */
  sids: SidEntry[] | null;
  /** `memory.functions.main`; null before v2 and for operator style. */
  main: MainEntry[] | null;
  /** `memory.functions.operator_functions`; null before v2 and for operator style. */
  operatorFunctions: OperatorFunctionEntry[] | null;
  /** Operator style: PrimFunc name → parameter buffers. */
  operatorBuffers: Record<string, OperatorBuffer[]> | null;
  externalDependencies: ExternalDependency[];
  /** JSON path of this module's object inside metadata.json. */
  jsonPath: string;
}

/** Parsed metadata.json: the canonical model plus the raw JSON for lossless writers. */
export interface MlfMetadata {
  version: number;
  style: MlfStyle;
  modules: ModuleMetadata[];
  /** The parsed JSON, untouched. */
  raw: Record<string, unknown>;
  /** The exact text read. */
  text: string;
  warnings: Diagnostic[];
}

/** Options for {@link parseMetadata}. */
export interface ParseMetadataOptions {
  /** Archive member name used in error locations. @default 'metadata.json' */
  member?: string;
  limits?: Partial<Limits>;
}

const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/;

/** Detects the style of parsed metadata the way TVM's readers must (docs/format.md §4.5). */
export function detectStyle(raw: Record<string, unknown>): MlfStyle {
  if ('modules' in raw) return 'full-model';
  return raw.style === 'operator' ? 'operator' : 'full-model';
}

/**
 * Parses and checks metadata.json of any version 1-7 and either style. Throws `MlfError`
 * E102 (bad JSON), E103 (unsupported version) or E104 (schema) with the JSON path.
 */
export function parseMetadata(text: string, options: ParseMetadataOptions = {}): MlfMetadata {
  const member = options.member ?? 'metadata.json';
  const limits = resolveLimits(options.limits);
  const bytes = utf8Length(text);
  if (bytes > limits.maxMetadataBytes) {
    throw new MlfError('MLF-E009', `metadata: ${bytes} bytes exceeds the limit of ${limits.maxMetadataBytes}`, {
      member,
    });
  }
  const raw = parseJsonText(text, 'metadata', 'MLF-E102', member, options.limits);
  if (!isRecord(raw))
    throw new MlfError('MLF-E104', 'metadata: top level must be a JSON object', { member, jsonPath: '$' });
  const version = raw.version;
  if (version === undefined) {
    throw new MlfError('MLF-E104', 'metadata: "version" is missing', { member, jsonPath: '$.version' });
  }
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new MlfError('MLF-E104', `metadata: "version" must be an integer, got ${JSON.stringify(version)}`, {
      member,
      jsonPath: '$.version',
    });
  }
  if (!(SUPPORTED_VERSIONS as readonly number[]).includes(version)) {
    const newer = version > 7 ? ' (newer than any TVM ever wrote)' : '';
    throw new MlfError(
      'MLF-E103',
      `metadata: version ${version}${newer} is not supported; supported versions are 1 to 7`,
      {
        member,
        jsonPath: '$.version',
      },
    );
  }
  const style = detectStyle(raw);
  if (style === 'operator' && version < 4) {
    throw new MlfError('MLF-E104', `metadata: operator style needs version 4 or later, got ${version}`, {
      member,
      jsonPath: '$.style',
    });
  }
  if (style === 'full-model' && version === 7 && !('modules' in raw)) {
    throw new MlfError('MLF-E104', 'metadata: version 7 full-model metadata must nest modules under "modules"', {
      member,
      jsonPath: '$.modules',
    });
  }
  if (style === 'full-model' && version < 7 && 'modules' in raw) {
    throw new MlfError('MLF-E104', `metadata: "modules" appeared in version 7; this file says version ${version}`, {
      member,
      jsonPath: '$.version',
    });
  }
  const moduleCount = isRecord(raw.modules) ? Object.keys(raw.modules).length : 1;
  if (moduleCount > limits.maxModules) {
    throw new MlfError('MLF-E009', `metadata: ${moduleCount} modules exceed maxModules ${limits.maxModules}`, {
      member,
      jsonPath: '$.modules',
    });
  }
  checkSchema(version, style, raw, member);

  const warnings: Diagnostic[] = [];
  const modules =
    style === 'full-model' && version === 7
      ? Object.entries(raw.modules as Record<string, Record<string, unknown>>).map(([name, m]) =>
          normaliseModule(name, m, version, jsonPath(['modules', name])),
        )
      : [normaliseModule(String(raw.model_name), raw, version, '$')];
  for (const m of modules) {
    if (!DATETIME.test(m.exportDatetime)) {
      warnings.push(
        diagnostic('MLF-W103', `export_datetime "${m.exportDatetime}" is not "%Y-%m-%d %H:%M:%SZ"`, {
          member,
          jsonPath: `${m.jsonPath}.export_datetime`,
        }),
      );
    }
  }
  return { version, style, modules, raw, text, warnings };
}

/** E104 with the first problem's JSON path and the count of the others. Linear in the file. */
function checkSchema(version: number, style: MlfStyle, raw: unknown, member: string): void {
  const issues = checkShape(metadataShapeFor(version, style), raw);
  if (issues.first === undefined) return;
  const { path, message } = issues.first;
  const more = issues.count > 1 ? ` (and ${issues.count - 1} more)` : '';
  throw new MlfError('MLF-E104', `metadata: ${path}: ${message}${more}`, { member, jsonPath: path });
}

function normaliseModule(name: string, m: Record<string, unknown>, version: number, path: string): ModuleMetadata {
  const target = m.target;
  let targets: string[];
  let targetDevices: number[] | null = null;
  if (Array.isArray(target)) targets = target as string[];
  else {
    const dict = target as Record<string, string>;
    targets = Object.values(dict);
    targetDevices = Object.keys(dict).map(Number);
  }
  const style: MlfStyle = m.style === 'operator' ? 'operator' : 'full-model';
  const executors = ((version <= 4 ? m.runtimes : m.executors) ?? []) as string[];
  const base = {
    name,
    modelName: String(m.model_name),
    exportDatetime: String(m.export_datetime),
    executors,
    targets,
    targetDevices,
    style,
    externalDependencies: (m.external_dependencies ?? []) as ExternalDependency[],
    jsonPath: path,
  };
  if (style === 'operator') {
    return {
      ...base,
      sids: null,
      main: null,
      operatorFunctions: null,
      operatorBuffers: m.memory as Record<string, OperatorBuffer[]>,
    };
  }
  if (Array.isArray(m.memory)) {
    // v1: memory was the sid list itself; AOT wrote [].
    const sids = m.memory as SidEntry[];
    return {
      ...base,
      sids: executors.includes('graph') ? sids : null,
      main: null,
      operatorFunctions: null,
      operatorBuffers: null,
    };
  }
  const memory = m.memory as {
    sids?: SidEntry[];
    functions: { main: MainEntry[]; operator_functions: OperatorFunctionEntry[] };
  };
  return {
    ...base,
    sids: memory.sids ?? null,
    main: memory.functions.main,
    operatorFunctions: memory.functions.operator_functions,
    operatorBuffers: null,
  };
}
