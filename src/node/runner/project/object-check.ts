import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MlfError } from '../../../core/errors/errors.js';
import { objectMachine, tripleMachine } from '../../../core/archive/object-arch.js';
import { spawnCollect } from '../spawn.js';

/**
 * Refuses prebuilt objects (`model/codegen/host/lib/*.o`) made for another machine than the
 * compiler builds for (`cc -dumpmachine`), naming both, before the linker fails on them.
 * A compiler that cannot say its machine, or an object of unknown format, is let through.
 * @throws MlfError E416.
 */
export async function checkObjectMachines(dir: string, cc: string): Promise<void> {
  const lib = join(dir, 'model', 'codegen', 'host', 'lib');
  const objects = await readdir(lib).then(
    (names) => names.filter((n) => n.endsWith('.o')).sort(),
    () => [] as string[],
  );
  if (objects.length === 0) return;
  const r = await spawnCollect(cc, ['-dumpmachine']);
  const want = r.status === 0 ? tripleMachine(r.stdout.trim()) : null;
  if (want === null) return;
  for (const name of objects) {
    const handle = await open(join(lib, name), 'r');
    const head = new Uint8Array(64);
    try {
      await handle.read(head, 0, 64, 0);
    } finally {
      await handle.close();
    }
    const { format, machine } = objectMachine(head);
    if (machine !== null && machine !== want) {
      throw new MlfError(
        'MLF-E416',
        `codegen/host/lib/${name} is ${machine} code (${format}), but ${cc} builds for ${want} (${r.stdout.trim()})`,
        { member: `codegen/host/lib/${name}` },
        `Give a compiler for ${machine} with --cc, or rebuild the object for this machine.`,
      );
    }
  }
}
