#!/usr/bin/env node
// The bundled CLI (scripts/bundle-cli.js): the same code as dist/cli, loaded from a few files.
import { run } from '../dist/cli-bundle/main.js';

// `mlf inspect x | head` closes the pipe early; that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
process.exitCode = await run(process.argv.slice(2));
