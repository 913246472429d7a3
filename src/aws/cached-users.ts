import type { UserRecord } from "./cognito-users.js";

export interface UserLookup {
  get(username: string): Promise<UserRecord | null>;
}

interface Entry {
  readonly at: number;
  readonly user: Promise<UserRecord | null>;
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
    if (this.ttlSeconds > 0) this.entries.set(username, { at: now, user });
    user.catch(() => {
      if (this.entries.get(username)?.user === user) this.entries.delete(username);
    });
    return user;
  }

  /** Seeds or replaces an entry with a record just read or written. */
  remember(user: UserRecord): void {
    if (this.ttlSeconds > 0)
      this.entries.set(user.username, { at: this.now(), user: Promise.resolve(user) });
  }

  invalidate(username: string): void {
    this.entries.delete(username);
  }
}
