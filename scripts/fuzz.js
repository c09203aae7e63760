#!/usr/bin/env node
/**
 * `npm run fuzz`: a long in-process mutation fuzz of the readers in dist/ (build first).
 *
 *   node scripts/fuzz.js [--execs N] [--seed S] [--target NAME ...] [--budget-ms MS] [--hang-ms MS]
 *
 * Each target runs in a worker thread: a tight loop builds input `i` from (seed, i) (so any input
 * can be rebuilt), runs the target, and times it. The main thread watches a shared counter; an
 * execution that takes longer than --hang-ms is a hang: the worker is stopped and its input is
 * printed. Findings (anything thrown that is not an MlfError, an oracle failure, or an execution
 * over --budget-ms plus 50 ms per MB of input) are printed with the reproducer bytes in base64; the exit status is then 1.
 */
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createTargets, execute, inputFor, toBase64 } from './fuzz-lib.js';

const ROOT = join(import.meta.dirname, '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');
const loadLib = async () => ({
  ...(await import(join(ROOT, 'dist', 'core', 'index.js'))),
  ...(await import(join(ROOT, 'dist', 'node', 'runner', 'elf.js'))),
});

if (isMainThread) await main();
else await work(workerData);

function parseArgs(argv) {
  const opts = { execs: 1_000_000, seed: 20261121, targets: [], budgetMs: 1000, hangMs: 20_000 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--execs') opts.execs = Number(value);
    else if (flag === '--seed') opts.seed = Number(value);
    else if (flag === '--target') opts.targets.push(value);
    else if (flag === '--budget-ms') opts.budgetMs = Number(value);
    else if (flag === '--hang-ms') opts.hangMs = Number(value);
    else throw new Error(`unknown argument ${flag}; see the comment at the top of scripts/fuzz.js`);
    i++;
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const lib = await loadLib();
  const names = createTargets(lib, FIXTURES)
    .map((t) => t.name)
    .filter((n) => opts.targets.length === 0 || opts.targets.includes(n));
  console.log(
    `fuzz: ${opts.execs} executions per target, seed ${opts.seed}, budget ${opts.budgetMs} ms, hang ${opts.hangMs} ms, node ${process.version}`,
  );
  const rows = [];
  let failed = false;
  for (const name of names) {
    const r = await runTarget(name, opts);
    rows.push(r);
    failed ||= r.findings.length > 0 || r.hang;
    for (const f of r.findings)
      console.log(`\nFINDING ${name} #${f.i} (${f.ms.toFixed(1)} ms): ${f.error}\nreproducer (base64): ${f.input}\n`);
  }
  console.log('\n| target | executions | exec/s | mean µs | max ms per exec | findings |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.execs} | ${Math.round(r.execs / r.seconds)} | ${((r.seconds * 1e6) / r.execs).toFixed(1)} | ${r.maxMs.toFixed(1)} | ${r.findings.length}${r.hang ? ' (hang)' : ''} |`,
    );
  }
  process.exit(failed ? 1 : 0);
}

/** Runs one target in a worker under a watchdog. */
function runTarget(name, opts) {
  const shared = new SharedArrayBuffer(16);
  const progress = new Int32Array(shared, 0, 2); // [executions started, done flag]
  const worker = new Worker(new URL(import.meta.url), { workerData: { name, shared, ...opts } });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let last = -1;
    let since = performance.now();
    let result;
    const timer = setInterval(() => {
      const now = Atomics.load(progress, 0);
      if (now !== last) {
        last = now;
        since = performance.now();
        process.stderr.write(`\r${name}: ${now} executions`);
        return;
      }
      if (performance.now() - since < opts.hangMs) return;
      clearInterval(timer);
      const i = now - 1;
      worker.terminate();
      loadLib().then((lib) => {
        const target = createTargets(lib, FIXTURES).find((t) => t.name === name);
        const input = toBase64(inputFor(target, opts.seed, i));
        const seconds = (performance.now() - started) / 1000;
        resolve({
          name,
          execs: i,
          seconds,
          maxMs: opts.hangMs,
          hang: true,
          findings: [{ i, ms: opts.hangMs, error: `hang: over ${opts.hangMs} ms`, input }],
        });
      }, reject);
    }, 250);
    worker.on('message', (m) => (result = m));
    worker.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    worker.on('exit', () => {
      clearInterval(timer);
      process.stderr.write('\r');
      if (result !== undefined) resolve({ name, ...result, seconds: result.seconds });
    });
  });
}

/** The worker: a tight loop over executions 0..execs-1. */
async function work({ name, shared, execs, seed, budgetMs }) {
  const progress = new Int32Array(shared, 0, 2);
  const lib = await loadLib();
  const target = createTargets(lib, FIXTURES).find((t) => t.name === name);
  const findings = [];
  let maxMs = 0;
  // Most inputs are refused with an MlfError; capturing its stack would cost more than the parse.
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const t0 = performance.now();
  for (let i = 0; i < execs; i++) {
    Atomics.store(progress, 0, i + 1);
    const input = inputFor(target, seed, i);
    const t = performance.now();
    let error = execute(lib, target, input);
    const ms = performance.now() - t;
    if (ms > maxMs) maxMs = ms;
    // Linear work on a big input is no hang: the budget grows by 50 ms per MB (20 MB/s at worst).
    const budget = budgetMs + (input.length / 1e6) * 50;
    if (error === undefined && ms > budget)
      error = `slow: ${ms.toFixed(0)} ms for ${input.length} bytes, over the ${budget.toFixed(0)} ms budget`;
    if (error !== undefined && findings.length < 20) {
      Error.stackTraceLimit = stackLimit; // run it again for the stack trace
      findings.push({ i, ms, error: execute(lib, target, input) ?? error, input: toBase64(input) });
      Error.stackTraceLimit = 0;
    }
  }
  parentPort.postMessage({ execs, seconds: (performance.now() - t0) / 1000, maxMs, hang: false, findings });
}
