/**
 * Listings of tar/gzip/zstd files by the real tools, for the differential test
 * (test/security/differential.system.test.ts): CPython's tarfile (default mode and ignore_zeros=True,
 * all files in one Python process), GNU tar (`-tv` and `-xO`, also with `-i`) and bsdtar
 * (`-tv` and `-xO`, also with `--ignore-zeros`), run in parallel. Each listing is the member
 * list in archive order with type, size and the SHA-256 of every regular file's bytes, or an
 * error. Names are normalised as our reader does (no `./`, no trailing `/`, root left out).
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { pythonPath } from './common.js';

/** One member as every reader reports it. */
export interface Listed {
  path: string;
  type: 'file' | 'directory' | string;
  size: number;
  sha256?: string;
}

/** A listing, or why the tool failed. */
export type Listing = Listed[] | { error: string };

export const normalize = (name: string): string => {
  let p = name;
  while (p.startsWith('./')) p = p.slice(2);
  while (p.endsWith('/')) p = p.slice(0, -1);
  return p === '.' ? '' : p;
};

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const PYTHON = String.raw`
import hashlib, io, json, subprocess, sys, tarfile
out = []
for path in json.load(sys.stdin):
    res = {}
    data = open(path, 'rb').read()
    zstd = data[:4] == b'\x28\xb5\x2f\xfd' or (len(data) >= 4 and data[1:4] == b'\x2a\x4d\x18' and data[0] & 0xf0 == 0x50)
    if zstd:
        # Python < 3.14 has no zstd: read the decoded stream as a zstd-capable tarfile would.
        r = subprocess.run(['zstd', '-d', '-c', '-q'], input=data, capture_output=True)
        if r.returncode != 0:
            out.append({'default': {'error': 'zstd: ' + r.stderr.decode()[:80]}, 'ignore_zeros': {'error': 'zstd'}})
            continue
        data = r.stdout
    for key, iz in (('default', False), ('ignore_zeros', True)):
        try:
            with tarfile.open(fileobj=io.BytesIO(data), ignore_zeros=iz) as t:
                members = []
                for m in t.getmembers():
                    e = {'path': m.name, 'type': 'directory' if m.isdir() else 'file' if m.isreg() else 'type ' + repr(m.type), 'size': m.size}
                    if m.isreg():
                        e['sha256'] = hashlib.sha256(t.extractfile(m).read()).hexdigest()
                    members.append(e)
                res[key] = members
        except Exception as e:
            res[key] = {'error': type(e).__name__ + ': ' + str(e)[:80]}
    if not zstd:
        res['raw'] = res['default']
    else:
        try:
            with tarfile.open(path) as t:
                res['raw'] = [{'path': m.name} for m in t.getmembers()]
        except Exception as e:
            res['raw'] = {'error': type(e).__name__}
    out.append(res)
json.dump(out, sys.stdout)
`;

/** tarfile's listings of every file: `default`, `ignore_zeros`, and `raw` (tarfile.open on the file as it is). */
export function pythonListings(files: string[]): { default: Listing; ignore_zeros: Listing; raw: Listing }[] {
  const r = spawnSync(pythonPath(), ['-c', PYTHON], { input: JSON.stringify(files), maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  const all = JSON.parse(r.stdout.toString()) as Record<string, Listing>[];
  return all.map((x) => ({
    default: normalizeListing(x.default!),
    ignore_zeros: normalizeListing(x.ignore_zeros!),
    raw: x.raw!,
  }));
}

function normalizeListing(l: Listing): Listing {
  if (!Array.isArray(l)) return l;
  return l.map((e) => ({ ...e, path: normalize(e.path) })).filter((e) => e.path !== '');
}

function exec(cmd: string, args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'buffer', maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr: stderr.toString() });
    });
  });
}

/** Decodes the C-style escapes GNU tar and bsdtar print for unusual bytes in names. */
function unescape(name: string): string {
  const bytes: number[] = [];
  const raw = Buffer.from(name, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x5c && /^[0-7]{3}$/.test(raw.subarray(i + 1, i + 4).toString())) {
      bytes.push(Number.parseInt(raw.subarray(i + 1, i + 4).toString(), 8));
      i += 3;
    } else if (raw[i] === 0x5c && raw[i + 1] === 0x5c) {
      bytes.push(0x5c);
      i++;
    } else bytes.push(raw[i]!);
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * A `-tv` listing and the `-xO` bytes of one tool. GNU tar's lines are `perms owner/group size
 * date time name`, bsdtar's `perms links owner group size month day year name`.
 */
async function toolListing(tool: 'gnu' | 'bsd', file: string, ignoreZeros: boolean): Promise<Listing> {
  const cmd = tool === 'gnu' ? 'tar' : 'bsdtar';
  const flag = ignoreZeros ? (tool === 'gnu' ? ['-i'] : ['--ignore-zeros']) : [];
  const [list, data] = await Promise.all([exec(cmd, [...flag, '-tvf', file]), exec(cmd, [...flag, '-xOf', file])]);
  if (list.code !== 0 || data.code !== 0)
    return { error: `${cmd} exit ${list.code}/${data.code}: ${(list.stderr || data.stderr).trim().slice(0, 120)}` };
  const fields = tool === 'gnu' ? 5 : 8;
  const entries: Listed[] = [];
  let at = 0;
  for (const line of list.stdout.toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    const parts = line.split(/ +/);
    const name = unescape(parts.slice(fields).join(' '));
    const size = Number(parts[fields - (tool === 'gnu' ? 3 : 4)]);
    const kind = line[0] === 'd' ? 'directory' : line[0] === '-' ? 'file' : `type ${line[0]}`;
    const e: Listed = { path: normalize(name), type: kind, size };
    if (kind === 'file') {
      e.sha256 = sha(data.stdout.subarray(at, at + size));
      at += size;
    }
    if (e.path !== '') entries.push(e);
  }
  if (at !== data.stdout.byteLength)
    return { error: `${cmd} -xO gave ${data.stdout.byteLength} bytes, -tv listed ${at}` };
  return entries;
}

/** GNU tar's and bsdtar's listings of one file, with and without ignoring zero blocks. */
export async function toolListings(
  file: string,
): Promise<Record<'gnu' | 'gnu -i' | 'bsdtar' | 'bsdtar --ignore-zeros', Listing>> {
  const [gnu, gnuI, bsd, bsdI] = await Promise.all([
    toolListing('gnu', file, false),
    toolListing('gnu', file, true),
    toolListing('bsd', file, false),
    toolListing('bsd', file, true),
  ]);
  return { gnu, 'gnu -i': gnuI, bsdtar: bsd, 'bsdtar --ignore-zeros': bsdI };
}

export { sha as sha256Hex };
