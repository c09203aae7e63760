/* global process, URL */
// Runs the CLI (bin/mlf.js) in this process with the arguments given and, on exit, prints its
// peak resident memory to stderr as a last line `maxrss <KiB>`: memory of a command, measured.
const bin = new URL('../../bin/mlf.js', import.meta.url);
process.on('exit', () => process.stderr.write(`\nmaxrss ${process.resourceUsage().maxRSS}\n`));
process.argv = [process.argv[0], bin.pathname, ...process.argv.slice(2)];
await import(bin.href);
