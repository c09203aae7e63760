import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../package-root.js';

/**
 * The project templates shipped with the package (`templates/` at the package root), with a
 * trailing slash. Found on first use, not at import: a bundle of `./node` must load even where
 * the package folder is not beside it.
 */
export function templatesDir(): string {
  return `${join(packageRoot(), 'templates')}/`;
}

/** The kinds of project `mlf project` writes. */
export const PROJECT_TEMPLATES = ['host', 'cmake-lib'] as const;
/** One of {@link PROJECT_TEMPLATES}. */
export type ProjectTemplate = (typeof PROJECT_TEMPLATES)[number];

/** Every file under `templates/<folder>`, by path relative to it, in sorted order. */
export async function readTemplateFolder(folder: string): Promise<Map<string, string>> {
  const root = `${templatesDir()}${folder}`;
  const files = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(rel === '' ? root : `${root}/${rel}`, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    );
    for (const e of entries) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(path);
      else files.set(path, await readFile(`${root}/${path}`, 'utf8'));
    }
  };
  await walk('');
  return files;
}

/**
 * The one substitution step: every `@MLF_NAME@` is replaced by `values.NAME`. A placeholder
 * without a value is a bug in the generator, so it throws.
 */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/@MLF_([A-Z_]+)@/g, (_all, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`template placeholder @MLF_${key}@ has no value`);
    return v;
  });
}
