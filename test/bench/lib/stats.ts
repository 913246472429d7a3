/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface Variant {
  readonly name: string;
  /** One operation (awaited before the next starts). */
  readonly run: () => Promise<unknown>;
}

export interface Comparison {
  /** Median time of one operation per variant, in microseconds (median round of per-round medians). */
  readonly us: Record<string, number>;
  /** Median over rounds of (variant time / first variant's time), per variant. */
  readonly ratio: Record<string, number>;
  readonly rounds: number;
  readonly opsPerBatch: number;
}

export interface CompareOptions {
  readonly rounds: number;
  readonly warmupRounds: number;
  /** Aim for batches of about this long per variant (the batch size is calibrated once). */
  readonly batchMs: number;
}

/**
 * Runs the variants side by side, interleaved operation by operation (A B C, B C A, C A B, …), so
 * load from anything else on the machine falls on all of them alike. A round is `n` operations
 * of each variant (`n` calibrated so a round lasts about `batchMs` per variant). Each round gives
 * each variant its median operation time and the ratio of those medians; the median round is
 * reported, after `warmupRounds` rounds that are thrown away.
 */
export async function compare(
  variants: readonly Variant[],
  o: CompareOptions,
): Promise<Comparison> {
  const first = variants[0];
  if (!first) throw new Error("compare() needs at least one variant");
  for (const v of variants) await v.run();
  let n = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await first.run();
    const us = Number(process.hrtime.bigint() - t0) / 1e3;
    if (us >= o.batchMs * 1000 * 0.25 || n >= 1_000_000) {
      n = Math.max(5, Math.round((o.batchMs * 1000 * n) / us));
      break;
    }
    n *= 4;
  }
  const k = variants.length;
  const times: number[][] = variants.map(() => []);
  const ratios: number[][] = variants.map(() => []);
  for (let r = 0; r < o.warmupRounds + o.rounds; r++) {
    const samples: number[][] = variants.map(() => []);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const idx = (i + j) % k;
        const t0 = process.hrtime.bigint();
        await (variants[idx] as Variant).run();
        samples[idx]?.push(Number(process.hrtime.bigint() - t0) / 1e3);
      }
    }
    if (r < o.warmupRounds) continue;
    // Per-operation medians: a time slice lost to another process hits a few operations, not
    // the median one.
    const med = samples.map((xs) => median(xs));
    for (let j = 0; j < k; j++) {
      times[j]?.push(med[j] as number);
      ratios[j]?.push((med[j] as number) / (med[0] as number));
    }
  }
  return {
    us: Object.fromEntries(variants.map((v, j) => [v.name, median(times[j] ?? [])])),
    ratio: Object.fromEntries(variants.map((v, j) => [v.name, median(ratios[j] ?? [])])),
    rounds: o.rounds,
    opsPerBatch: n,
  };
}
