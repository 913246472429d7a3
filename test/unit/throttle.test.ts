import { afterEach, describe, expect, it, vi } from "vitest";
import { SignInThrottle } from "../../src/auth/throttle.js";
import { RateLimitedError } from "../../src/errors.js";

async function retryAfter(p: Promise<void>): Promise<number | null> {
  try {
    await p;
    return null;
  } catch (err) {
    if (err instanceof RateLimitedError) return err.retryAfterSeconds;
    throw err;
  }
}

describe("SignInThrottle (rate-limiter-flexible, in memory)", () => {
  afterEach(() => vi.useRealTimers());

  it("blocks an account from a source after 5 failures, for 1, then 2, then 4 minutes", async () => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
    const th = new SignInThrottle();
    for (const minutes of [1, 2, 4]) {
      for (let i = 0; i < 5; i++) {
        expect(await retryAfter(th.check("a@x.test", "10.0.0.1"))).toBeNull();
        await th.failed("a@x.test", "10.0.0.1");
      }
      expect(await retryAfter(th.check("a@x.test", "10.0.0.1"))).toBe(minutes * 60);
      // Others are untouched meanwhile.
      expect(await retryAfter(th.check("b@x.test", "10.0.0.1"))).toBeNull();
      expect(await retryAfter(th.check("a@x.test", "10.0.0.2"))).toBeNull();
      vi.advanceTimersByTime(minutes * 60_000 + 1);
      expect(await retryAfter(th.check("a@x.test", "10.0.0.1"))).toBeNull();
    }
  });

  it("a success clears the count; a source failing across 100 accounts is blocked for an hour", async () => {
    const th = new SignInThrottle();
    for (let i = 0; i < 4; i++) await th.failed("a@x.test", "10.0.0.9");
    await th.succeeded("a@x.test", "10.0.0.9");
    for (let i = 0; i < 4; i++) await th.failed("a@x.test", "10.0.0.9");
    expect(await retryAfter(th.check("a@x.test", "10.0.0.9"))).toBeNull();

    for (let i = 0; i < 100; i++) await th.failed(`user${i}@x.test`, "10.0.0.7");
    const wait = await retryAfter(th.check("fresh@x.test", "10.0.0.7"));
    expect(wait).toBeGreaterThan(3500);
    expect(wait).toBeLessThanOrEqual(3600);
    expect(await retryAfter(th.check("fresh@x.test", "10.0.0.8"))).toBeNull();
  });
});
