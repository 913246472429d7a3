import { LRUCache } from "lru-cache";
import type { UserRecord } from "./cognito-users.js";

export interface UserLookup {
  get(username: string): Promise<UserRecord | null>;
  /** The record when it is at hand without waiting (fresh and settled); undefined otherwise. */
  peek?(username: string): UserRecord | null | undefined;
}

/** lru-cache keeps objects only; a user that does not exist is remembered as `{ user: null }`. */
interface Entry {
  readonly user: UserRecord | null;
}

/**
 * A process-wide, bounded, time-limited cache in front of AdminGetUser (lru-cache: ttl, max,
 * fetchMethod). Cognito's read quotas are low, so a signed-in user costs one lookup per
 * `ttlSeconds`, and concurrent requests share one call (lru-cache's fetch). Staleness is bounded
 * by the TTL (a disabled user is refused within it); changes made through this instance
 * invalidate at once. Failed lookups are not remembered.
 */
export class CachedUsers implements UserLookup {
  private readonly cache: LRUCache<string, Entry> | null;

  constructor(
    private readonly source: UserLookup,
    ttlSeconds: number,
    maxEntries = 10_000,
    now: () => number = Date.now,
  ) {
    this.cache =
      ttlSeconds > 0
        ? new LRUCache<string, Entry>({
            max: maxEntries,
            ttl: ttlSeconds * 1000,
            // A fresh entry is read as it is; an expired one is fetched again, never served.
            allowStale: false,
            perf: { now },
            // Read the clock on every check (the default caches it for a millisecond).
            ttlResolution: 0,
            fetchMethod: async (username) => ({ user: await this.source.get(username) }),
            // A lookup running when its entry is invalidated or replaced still answers the
            // requests waiting on it (lru-cache would reject them); its result is not kept.
            ignoreFetchAbort: true,
          })
        : null;
  }

  async get(username: string): Promise<UserRecord | null> {
    if (!this.cache) return this.source.get(username);
    const entry = await this.cache.fetch(username);
    return entry?.user ?? null;
  }

  /**
   * The cached record without waiting: the value of a fresh entry whose lookup has finished, or
   * undefined (then call `get`). Lets a request with a known viewer skip the promise round.
   */
  peek(username: string): UserRecord | null | undefined {
    return this.cache?.get(username)?.user;
  }

  /** Seeds or replaces an entry with a record just read or written. */
  remember(user: UserRecord): void {
    this.cache?.set(user.username, { user });
  }

  invalidate(username: string): void {
    this.cache?.delete(username);
  }
}
