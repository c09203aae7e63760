/**
 * The size syntax of `mlf check` budgets and increases (the CLI itself: check.system.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseIncrease, parseSize } from '../../../src/core/common/sizes.js';
import { mlfError } from '../../helpers/common.js';

describe('sizes', () => {
  it('bytes, binary units (1024^n) and decimal units (1000^n), case-insensitive', () => {
    expect(parseSize('65536')).toBe(65536);
    expect(parseSize('64KiB')).toBe(64 * 1024);
    expect(parseSize('1.5MiB')).toBe(1.5 * 1024 * 1024);
    expect(parseSize('2MB')).toBe(2_000_000);
    expect(parseSize('1 gib')).toBe(2 ** 30);
    expect(parseSize('10kb')).toBe(10_000);
    expect(parseSize('512B')).toBe(512);
  });

  it('anything else is MLF-E901', () => {
    for (const bad of ['', '32k', '-1', '1.5.5', 'KiB', '1e3', '64 KiBs', '0x10'])
      expect(mlfError(() => parseSize(bad)).code, bad).toBe('MLF-E901');
    expect(parseIncrease('5%')).toEqual({ percent: 5 });
    expect(parseIncrease('0.5 %')).toEqual({ percent: 0.5 });
    expect(parseIncrease('+4KiB')).toEqual({ bytes: 4096 });
    expect(parseIncrease('100')).toEqual({ bytes: 100 });
    for (const bad of ['x%', '-5%', '+', '5%%']) expect(mlfError(() => parseIncrease(bad)).code, bad).toBe('MLF-E901');
  });
});
