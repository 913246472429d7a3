import { createHash, randomBytes } from "node:crypto";
import { NO_LINK } from "../auth/sessions.js";
import type { CognitoUsers, UserRecord } from "../aws/cognito-users.js";
import { LINK_HASH_ATTRIBUTE } from "../aws/cognito-users.js";
import type { Sealer } from "../common/sealer.js";

/** What an emailed link lets its holder do: set a first password, or replace a forgotten one. */
export type LinkPurpose = "invite" | "reset";

interface LinkToken {
  /** Cognito username. */
  readonly u: string;
  readonly p: LinkPurpose;
  /** 32 random bytes, base64url: the part only the email holds (the user stores its hash). */
  readonly n: string;
}

const isLinkToken = (value: unknown): value is LinkToken => {
  const link = value as LinkToken | null;
  return (
    !!link &&
    typeof link.u === "string" &&
    (link.p === "invite" || link.p === "reset") &&
    typeof link.n === "string" &&
    link.n.length === 43
  );
};

/** A link made but not yet in force: `commit` it once the email that carries it is sent. */
export interface PendingLink {
  readonly token: string;
  readonly expiresAt: Date;
  commit(): Promise<void>;
}

const hashOf = (nonce: string) => createHash("sha256").update(nonce).digest("base64url");

/**
 * One-time email links. A token is sealed with the server secret (unreadable, unforgeable,
 * expiring) and carries 256 random bits; the user record keeps only their hash, with the purpose
 * and expiry (`custom:link_hash` = "purpose.expiry.hash"). So a link works only while it is the
 * user's one pending link: a newer link replaces it, and a reset, a disable, a password change or
 * a completed setup clears it (sessions.ts writes NO_LINK). Tokens are never logged.
 */
export class Links {
  constructor(
    private readonly sealer: Sealer,
    private readonly users: CognitoUsers,
    private readonly now: () => number = Date.now,
  ) {}

  create(username: string, purpose: LinkPurpose, ttlSeconds: number): PendingLink {
    const nonce = randomBytes(32).toString("base64url");
    const expires = Math.floor(this.now() / 1000) + ttlSeconds;
    const token = this.sealer.seal("link", { u: username, p: purpose, n: nonce }, ttlSeconds);
    return {
      token,
      expiresAt: new Date(expires * 1000),
      commit: () =>
        this.users.updateAttributes(username, {
          [LINK_HASH_ATTRIBUTE]: `${purpose}.${expires}.${hashOf(nonce)}`,
        }),
    };
  }

  /**
   * The user and purpose of a token, when it is the user's pending link, unexpired, and the user
   * is enabled; null for anything else (alike: made up, used, replaced, expired, disabled).
   */
  async redeem(token: string): Promise<{ user: UserRecord; purpose: LinkPurpose } | null> {
    const link = this.sealer.open("link", token, isLinkToken);
    if (!link) return null;
    const user = await this.users.get(link.u);
    if (!user?.enabled || !user.linkHash || user.linkHash === NO_LINK) return null;
    const [purpose, expires, hash] = user.linkHash.split(".");
    if (purpose !== link.p || Number(expires) * 1000 <= this.now() || hash !== hashOf(link.n))
      return null;
    return { user, purpose: link.p };
  }
}
