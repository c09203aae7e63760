// The library in one file: read, validate and inspect an archive, read a weight tensor, write a
// new archive from build outputs in memory, then sign and verify it. Run it from the repository
// after `npm run build` (`node examples/library.mjs [archive]`) or anywhere the package is
// installed; test/package/example.system.test.ts runs it, and the README shows it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  exportModelLibraryFormat,
  formatDType,
  inspectArchive,
  loadParams,
  readMlfPath,
  signArchive,
  tensorView,
  validateArchive,
  verifyArchive,
  writeSigningKeys,
} from 'model-library-format/node';

const input = process.argv[2] ?? 'examples/graph-cnn/model.tar';
const out = mkdtempSync(join(tmpdir(), 'mlf-example-'));

// Read (.tar, .tgz, .tar.zst or a folder), validate and inspect.
const archive = await readMlfPath(input);
try {
  const report = await validateArchive(archive);
  console.log(`${input}: valid ${report.valid}, ${report.errors} errors, ${report.warnings} warnings`);
  const summary = await inspectArchive(archive);
  for (const [name, m] of Object.entries(summary.modules))
    console.log(`module ${name}: executors ${m.executors.join(', ')}, inputs ${Object.keys(m.inputs).join(', ')}`);
  // The weights of the first module, as a typed array over the archive's bytes.
  const params = await loadParams(archive, archive.modules[0]);
  const first = params?.tensors[0];
  if (first !== undefined) console.log(`${first.name}: ${formatDType(first.dtype)}[${first.shape}], first value ${tensorView(first)[0]}`);
} finally {
  await archive.contents.close?.();
}

// Write: an operator-style archive from build outputs in memory, as TVM's
// export_model_library_format did (canonical, reproducible, atomic; compression by extension).
const written = join(out, 'add.tar.gz');
await exportModelLibraryFormat(
  [
    {
      style: 'operator',
      name: 'add',
      targets: ['c'],
      codegen: [{ name: 'add.c', data: 'void add(float* a, float* b, float* c) { c[0] = a[0] + b[0]; }\n' }],
      buffers: { add: ['a', 'b', 'c'].map(() => ({ size_bytes: 4, shape: [1], dtype: 'float32' })) },
    },
  ],
  written,
  { sourceDateEpoch: 0 },
);

// Sign (Ed25519 over the manifest and the exact archive bytes, embedded in the archive) and verify.
const key = join(out, 'key.pem');
await writeSigningKeys(key);
await signArchive(written, { key });
const verdict = await verifyArchive(written, { publicKey: `${key}.pub` });
console.log(`${written}: signature valid ${verdict.valid}, ${verdict.members} members`);
