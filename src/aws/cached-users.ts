import type { UserRecord } from "./cognito-users.js";

export interface UserLookup {
  get(username: string): Promise<UserRecord | null>;
  /** The record when it is at hand without waiting (fresh and settled); undefined otherwise. */
  peek?(username: string): UserRecord | null | undefined;
}

interface Entry {
  readonly at: number;
  readonly user: Promise<UserRecord | null>;
  /** Set once `user` has resolved. */
  settled?: { readonly value: UserRecord | null };
}

/**
 * A process-wide, bounded, time-limited cache in front of AdminGetUser. Cognito's read quotas
 * are low, so a signed-in user costs one lookup per `ttlSeconds`, and concurrent requests share
 * one call. Staleness is bounded by the TTL (a disabled user is refused within it); changes made
 * through this instance invalidate at once. Failed lookups are not remembered.
 */
export class CachedUsers implements UserLookup {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly source: UserLookup,
    private readonly ttlSeconds: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(username: string): Promise<UserRecord | null> {
    const now = this.now();
    const hit = this.entries.get(username);
    if (hit && now - hit.at < this.ttlSeconds * 1000) return hit.user;
    const user = this.source.get(username);
    this.entries.delete(username);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    if (this.ttlSeconds > 0) {
      const entry: Entry = { at: now, user };
      this.entries.set(username, entry);
      user.then(
        (value) => (entry.settled = { value }),
        () => undefined,
      );
    }
    user.catch(() => {
      if (this.entries.get(username)?.user === user) this.entries.delete(username);
    });
    return user;
  }

  /**
   * The cached record without waiting: the value of a fresh entry whose lookup has finished, or
   * undefined (then call `get`). Lets a request with a known viewer skip the promise round.
   */
  peek(username: string): UserRecord | null | undefined {
    const hit = this.entries.get(username);
    if (!hit?.settled || this.now() - hit.at >= this.ttlSeconds * 1000) return undefined;
    return hit.settled.value;
  }

  /** Seeds or replaces an entry with a record just read or written. */
  remember(user: UserRecord): void {
    if (this.ttlSeconds > 0)
      this.entries.set(user.username, {
        at: this.now(),
        user: Promise.resolve(user),
        settled: { value: user },
      });
  }

  invalidate(username: string): void {
    this.entries.delete(username);
  }
}
