import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { RateLimitedError } from "../errors.js";

export interface ThrottleSettings {
  /** Failures in a row for one account from one source before it is refused for a while. */
  readonly failuresPerAccount: number;
  /** Failures from one source, whatever the account, per hour before the source is refused. */
  readonly failuresPerSource: number;
}

export const DEFAULT_THROTTLE: ThrottleSettings = { failuresPerAccount: 5, failuresPerSource: 100 };

const WINDOW_SECONDS = 15 * 60;
const FIRST_BLOCK_SECONDS = 60;
const MAX_BLOCK_SECONDS = 60 * 60;

/**
 * Slows password (and code) guessing: after `failuresPerAccount` failures for one account from
 * one source address, that pair is refused with RATE_LIMITED for 1 minute, then 2, 4, … up to an
 * hour for each further block within a day; other accounts and other sources go on unaffected.
 * A source that fails `failuresPerSource` times in an hour, across accounts, is refused for an hour.
 * A success clears the account's count. Accounts are keyed by the email as typed (normalised),
 * whether or not it exists, so the throttle tells nobody which emails do.
 *
 * The counts live in this process (rate-limiter-flexible's memory store): on AWS each warm
 * Lambda instance counts on its own, and Cognito's own lockout applies on top.
 */
export class SignInThrottle {
  private readonly accounts: RateLimiterMemory;
  private readonly blocks = new RateLimiterMemory({
    keyPrefix: "blocks",
    points: 1_000,
    duration: 24 * 60 * 60,
  });
  private readonly sources: RateLimiterMemory;

  constructor(private readonly settings: ThrottleSettings = DEFAULT_THROTTLE) {
    this.accounts = new RateLimiterMemory({
      keyPrefix: "account",
      points: settings.failuresPerAccount,
      duration: WINDOW_SECONDS,
    });
    this.sources = new RateLimiterMemory({
      keyPrefix: "source",
      points: settings.failuresPerSource,
      duration: 60 * 60,
      blockDuration: 60 * 60,
    });
  }

  /** Throws RATE_LIMITED while this account from this source, or this source, is refused. */
  async check(account: string, source: string): Promise<void> {
    const [perAccount, perSource] = await Promise.all([
      this.accounts.get(pairKey(account, source)),
      this.sources.get(source),
    ]);
    const waitMs = Math.max(
      perAccount && perAccount.consumedPoints >= this.settings.failuresPerAccount
        ? perAccount.msBeforeNext
        : 0,
      perSource && perSource.consumedPoints >= this.settings.failuresPerSource
        ? perSource.msBeforeNext
        : 0,
    );
    if (waitMs > 0) throw new RateLimitedError(Math.max(1, Math.ceil(waitMs / 1000)));
  }

  /** Counts a failure; the one that reaches the limit starts the next, longer block. */
  async failed(account: string, source: string): Promise<void> {
    const key = pairKey(account, source);
    await spend(this.sources.consume(source));
    if ((await spend(this.accounts.consume(key))).remainingPoints > 0) return;
    const blocksToday = (await spend(this.blocks.consume(key))).consumedPoints;
    const seconds = Math.min(FIRST_BLOCK_SECONDS * 2 ** (blocksToday - 1), MAX_BLOCK_SECONDS);
    await this.accounts.block(key, seconds);
  }

  async succeeded(account: string, source: string): Promise<void> {
    await this.accounts.delete(pairKey(account, source));
  }
}

/**
 * The limiter's answer whether or not points were left: rate-limiter-flexible rejects with its
 * result (not an Error) when they are not; a real Error still throws.
 */
async function spend(consume: Promise<RateLimiterRes>): Promise<RateLimiterRes> {
  try {
    return await consume;
  } catch (res) {
    if (res instanceof RateLimiterRes) return res;
    throw res;
  }
}

const pairKey = (account: string, source: string) => `${account}\u0000${source}`;
