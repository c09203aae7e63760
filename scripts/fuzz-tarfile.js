/**
 * Differential fuzzing of the tar reader against CPython's tarfile (issue 13, "one interpretation
 * or none"): the inputs of the `tar` fuzz target that our reader accepts are sent, one per line, to
 * one long-lived Python process, which lists them with `tarfile.open` in its default mode and with
 * `ignore_zeros=True`. A finding is any accepted input whose member list (normalised paths, types,
 * sizes, SHA-256 of every regular file's bytes) differs from either of tarfile's: bytes we would
 * vouch for that tarfile would extract differently. Used by scripts/fuzz.js and test/security/fuzz.system.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { inputFor, toBase64 } from './fuzz-lib.js';

const PYTHON = String.raw`
import base64, hashlib, io, json, sys, tarfile
for line in sys.stdin:
    data = base64.b64decode(line)
    res = []
    for iz in (False, True):
        try:
            with tarfile.open(fileobj=io.BytesIO(data), ignore_zeros=iz) as t:
                out = []
                for m in t.getmembers():
                    e = [m.name, 'directory' if m.isdir() else 'file' if m.isreg() else 'type ' + repr(m.type), m.size]
                    if m.isreg():
                        e.append(hashlib.sha256(t.extractfile(m).read()).hexdigest())
                    out.append(e)
                res.append(out)
        except Exception as e:
            res.append('error ' + type(e).__name__ + ': ' + str(e)[:100])
    sys.stdout.write(json.dumps(res) + '\n')
    sys.stdout.flush()
`;

/** Whether python3 is on PATH. */
export function hasPython() {
  return spawnSync('python3', ['-c', 'import tarfile'], { stdio: 'ignore' }).status === 0;
}

const normalize = (name) => {
  let p = name;
  while (p.startsWith('./')) p = p.slice(2);
  while (p.endsWith('/')) p = p.slice(0, -1);
  return p === '.' ? '' : p;
};

/** Our listing of an input in tarfile's shape, or undefined when we refuse it. */
function ours(lib, bytes) {
  let index;
  try {
    index = lib.readTarIndexSync(bytes);
  } catch (e) {
    if (e instanceof lib.MlfError) return undefined;
    throw e;
  }
  return index.entries.map((e) => {
    const row = [e.path, e.type, e.size];
    if (e.type === 'file') row.push(createHash('sha256').update(lib.tarEntryData(bytes, e)).digest('hex'));
    return row;
  });
}

function theirs(listing) {
  if (!Array.isArray(listing)) return listing;
  return listing.map(([name, ...rest]) => [normalize(name), ...rest]).filter(([name]) => name !== '');
}

/**
 * Runs executions `start .. start + execs - 1` of the tar target (seeded with `seed`) through our
 * reader and, when accepted, through tarfile. Returns `{ execs, accepted, seconds, findings }`.
 */
export async function tarfileDifferential(lib, target, { seed, execs, start = 0, maxFindings = 20 }) {
  const py = spawn('python3', ['-c', PYTHON], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const findings = [];
  let accepted = 0;
  const t0 = performance.now();
  try {
    for (let i = start; i < start + execs; i++) {
      const input = inputFor(target, seed, i);
      const mine = ours(lib, input);
      if (mine === undefined) continue;
      accepted++;
      py.stdin.write(`${toBase64(input)}\n`);
      const { value, done } = await lines.next();
      if (done) throw new Error('python3 exited');
      const [plain, ignoring] = JSON.parse(value).map(theirs);
      const want = JSON.stringify(mine);
      for (const [mode, got] of [
        ['default', plain],
        ['ignore_zeros', ignoring],
      ]) {
        // No member either way: tarfile refuses a file shorter than one block that we read as empty.
        const none = mine.length === 0 && !Array.isArray(got);
        if (none || JSON.stringify(got) === want || findings.length >= maxFindings) continue;
        findings.push({
          i,
          error: `tarfile (${mode}) reads ${JSON.stringify(got).slice(0, 300)}; we read ${want.slice(0, 300)}`,
          input: toBase64(input),
        });
      }
    }
  } finally {
    Error.stackTraceLimit = stackLimit;
    py.stdin.end();
    py.kill();
  }
  return { execs, accepted, seconds: (performance.now() - t0) / 1000, findings };
}
