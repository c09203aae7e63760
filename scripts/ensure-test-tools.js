#!/usr/bin/env node
// The browser test drives Debian's Chromium through playwright-core (no browser download).
// On a fresh Debian machine where we are root, install it; otherwise say how.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.MLF_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(path)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && existsSync('/usr/bin/apt-get')) {
    console.error(`[ensure-chromium] ${path} not found; installing Debian's chromium with apt-get (about a minute)`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } else {
    console.error(`[ensure-chromium] ${path} not found. Install it (Debian: sudo apt-get install -y chromium) or set MLF_CHROMIUM.`);
    process.exit(1);
  }
}
