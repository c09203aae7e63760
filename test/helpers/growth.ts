/** Linear-time checks that survive a loaded machine: timings repeated, the least disturbed kept. */

/** The fastest of `runs` calls of `f`, in milliseconds. */
export function fastest(f: () => unknown, runs = 3): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/**
 * time(large)/time(small) for inputs four times apart (linear: about 4, quadratic: 16): the
 * smallest ratio over up to five attempts, stopping once one is below `enough`. Other processes
 * only ever slow a run down, so a single quiet pair is the honest measurement.
 */
export function growthRatio(f: (input: string) => unknown, small: string, large: string, enough = 8): number {
  let best = Infinity;
  for (let attempt = 0; attempt < 5 && best >= enough; attempt++) {
    f(small); // warm-up (JIT)
    best = Math.min(
      best,
      fastest(() => f(large)) /
        Math.max(
          fastest(() => f(small)),
          0.05,
        ),
    );
  }
  return best;
}
