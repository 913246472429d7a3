import { LRUCache } from "lru-cache";

export interface ReadinessResult {
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, boolean>>;
}

export interface Readiness {
  /** Whether every dependency answers; what /readyz reports. */
  check(): Promise<ReadinessResult>;
}

/**
 * Asks each dependency a cheap question (with a time limit) and remembers the answer briefly:
 * probes arrive often and Cognito's quotas are low. Concurrent probes share one round of
 * questions (lru-cache's fetch).
 */
export function createReadiness(
  probes: Readonly<Record<string, (signal: AbortSignal) => Promise<unknown>>>,
  options: { cacheMs?: number; timeoutMs?: number } = {},
): Readiness {
  const cache = new LRUCache<"ready", ReadinessResult>({
    max: 1,
    ttl: options.cacheMs ?? 2000,
    fetchMethod: async () => {
      const entries = await Promise.all(
        Object.entries(probes).map(async ([name, probe]) => {
          try {
            await probe(AbortSignal.timeout(options.timeoutMs ?? 2000));
            return [name, true] as const;
          } catch {
            return [name, false] as const;
          }
        }),
      );
      return { ok: entries.every(([, up]) => up), checks: Object.fromEntries(entries) };
    },
  });
  return { check: async () => (await cache.fetch("ready")) as ReadinessResult };
}
