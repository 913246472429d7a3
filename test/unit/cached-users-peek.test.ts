import { describe, expect, it } from "vitest";
import { CachedUsers } from "../../src/aws/cached-users.js";
import type { UserRecord } from "../../src/aws/cognito-users.js";

const user = { username: "alice", sub: "s1", enabled: true } as UserRecord;

describe("CachedUsers.peek: the record without waiting, only while fresh and settled", () => {
  it("is undefined until the lookup settles, then the record until the TTL passes", async () => {
    let now = 1_000;
    let release: (u: UserRecord) => void = () => undefined;
    const source = { get: () => new Promise<UserRecord | null>((r) => (release = r)) };
    const cache = new CachedUsers(source, 60, 100, () => now);
    const pending = cache.get("alice");
    expect(cache.peek("alice")).toBeUndefined();
    release(user);
    await pending;
    expect(cache.peek("alice")).toBe(user);
    now += 60_000;
    expect(cache.peek("alice")).toBe(user);
    now += 1; // lru-cache: stale once older than the TTL
    expect(cache.peek("alice")).toBeUndefined();
  });

  it("forgets on invalidate, remembers what remember() is given, and never keeps a failure", async () => {
    const cache = new CachedUsers({ get: async () => user }, 60);
    await cache.get("alice");
    cache.invalidate("alice");
    expect(cache.peek("alice")).toBeUndefined();
    cache.remember(user);
    expect(cache.peek("alice")).toBe(user);
    const failing = new CachedUsers({ get: () => Promise.reject(new Error("down")) }, 60);
    await expect(failing.get("bob")).rejects.toThrow("down");
    expect(failing.peek("bob")).toBeUndefined();
  });

  it("keeps nothing with a TTL of 0", async () => {
    const cache = new CachedUsers({ get: async () => user }, 0);
    await cache.get("alice");
    expect(cache.peek("alice")).toBeUndefined();
  });
});

describe("CachedUsers: a lookup in flight when its entry is invalidated", () => {
  it("still answers the requests waiting on it, and is not kept", async () => {
    let release: (u: UserRecord) => void = () => undefined;
    let lookups = 0;
    const source = {
      get: () => {
        lookups++;
        return new Promise<UserRecord | null>((r) => (release = r));
      },
    };
    const cache = new CachedUsers(source, 60);
    const waiting = cache.get("alice");
    // A revocation, an update or a newer record lands while the lookup runs.
    cache.invalidate("alice");
    release(user);
    await expect(waiting).resolves.toBe(user);
    expect(cache.peek("alice")).toBeUndefined();
    const again = cache.get("alice");
    release(user);
    await expect(again).resolves.toBe(user);
    expect(lookups).toBe(2);
  });
});
