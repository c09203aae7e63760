#!/usr/bin/env node
// The tests use real tools: Debian's Chromium (driven by playwright-core, no browser download),
// GNU tar, bsdtar (libarchive-tools), gzip and zstd, a host C toolchain (gcc, clang, make, cmake),
// the bare-metal toolchains with picolibc (arm-none-eabi, riscv64-unknown-elf), QEMU for the
// emulated boards and NumPy. On a Debian machine where we are root, install what is missing;
// otherwise say what to do.
// .ci/run relies on this too, so the list lives in one place.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.MLF_CHROMIUM ?? '/usr/bin/chromium';
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const needs = [
  ['chromium', () => existsSync(chromium)],
  ['zstd', () => has('zstd')],
  ['gzip', () => has('gzip')],
  ['tar', () => has('tar')],
  ['libarchive-tools', () => has('bsdtar')],
  ['gcc', () => has('gcc')],
  ['make', () => has('make')],
  ['cmake', () => has('cmake')],
  ['clang', () => has('clang')],
  ['gcc-arm-none-eabi', () => has('arm-none-eabi-gcc')],
  ['libnewlib-arm-none-eabi', () => existsSync('/usr/lib/arm-none-eabi/newlib')],
  ['picolibc-arm-none-eabi', () => existsSync('/usr/lib/picolibc/arm-none-eabi/picolibc.specs')],
  ['gcc-riscv64-unknown-elf', () => has('riscv64-unknown-elf-gcc')],
  ['picolibc-riscv64-unknown-elf', () => existsSync('/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs')],
  ['qemu-system-arm', () => has('qemu-system-arm')],
  ['qemu-system-misc', () => has('qemu-system-riscv32')],
  ['python3-numpy', () => spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0],
];
const missing = needs.filter(([, ok]) => !ok()).map(([pkg]) => pkg);
if (missing.length > 0) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && existsSync('/usr/bin/apt-get')) {
    console.error(`[ensure-test-tools] installing Debian packages: ${missing.join(' ')} (a few minutes)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
  } else {
    console.error(
      `[ensure-test-tools] missing: ${missing.join(' ')}. Install them (Debian: sudo apt-get install -y ${missing.join(' ')}); set MLF_CHROMIUM for another Chromium.`,
    );
    process.exit(1);
  }
}
