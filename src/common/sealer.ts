import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { timingSafeEqual } from "node:crypto";

/**
 * What a server secret protects. Each purpose gets its own key (HKDF), and a sealed value names
 * its purpose in the authenticated data, so a value issued for one purpose never opens as another.
 */
export type Purpose =
  /** A sign-in challenge handed to the client (new password, MFA code): Cognito's session inside. */
  | "challenge"
  /** A refresh token handed to the client: Cognito's refresh token and the sign-in time inside. */
  | "refresh"
  /** A one-time email link (invitation, password reset). */
  | "link"
  /** A multipart upload handle: key, size, S3 upload id and expiry inside. */
  | "upload"
  /** A page cursor. */
  | "cursor"
  /** A file id. */
  | "file-id";

const MIN_SECRET_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAC_BYTES = 16;

/**
 * Values the API hands to clients and must be able to trust when they come back: sealed
 * (AES-256-GCM: confidential and authenticated, with an optional expiry) or signed (a truncated
 * HMAC-SHA256 beside a value the client may read). The secret never leaves the server; locally
 * it lives in the data folder, on AWS in an SSM SecureString parameter.
 */
export class Sealer {
  private readonly keys = new Map<Purpose, Buffer>();

  constructor(
    private readonly secret: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    if (secret.length < MIN_SECRET_BYTES)
      throw new RangeError(`The server secret needs at least ${MIN_SECRET_BYTES} bytes`);
  }

  /** A fresh random secret (base64), for a new data folder or deployment. */
  static newSecret(): string {
    return randomBytes(MIN_SECRET_BYTES).toString("base64");
  }

  /**
   * `payload` as an opaque string only this server can read, for `ttlSeconds` when given. The
   * payload must be a plain JSON object; its `x` field is reserved for the expiry.
   */
  seal(purpose: Purpose, payload: Record<string, unknown>, ttlSeconds?: number): string {
    const body =
      ttlSeconds === undefined
        ? payload
        : { ...payload, x: Math.floor(this.now() / 1000) + ttlSeconds };
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key(purpose), iv);
    cipher.setAAD(Buffer.from(purpose));
    const ct = Buffer.concat([cipher.update(JSON.stringify(body), "utf8"), cipher.final()]);
    return Buffer.concat([iv, ct, cipher.getAuthTag()]).toString("base64url");
  }

  /**
   * The payload of a value `seal` made for this purpose, when `guard` accepts it and it has not
   * expired; null for anything else (tampered, another purpose, another secret, expired, junk).
   */
  open<T>(purpose: Purpose, sealed: string, guard: (value: unknown) => value is T): T | null {
    if (sealed.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(sealed)) return null;
    const raw = Buffer.from(sealed, "base64url");
    // Canonical form only, so one sealed value has one spelling.
    if (raw.length < IV_BYTES + TAG_BYTES + 2 || raw.toString("base64url") !== sealed) return null;
    let text: string;
    try {
      const decipher = createDecipheriv(
        "aes-256-gcm",
        this.key(purpose),
        raw.subarray(0, IV_BYTES),
      );
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      text = Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
    } catch {
      return null;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return null;
    }
    if (!payload || typeof payload !== "object") return null;
    const expires = (payload as { x?: unknown }).x;
    if (expires !== undefined && (typeof expires !== "number" || expires * 1000 <= this.now()))
      return null;
    return guard(payload) ? payload : null;
  }

  /** A short MAC of `data` (22 base64url characters). */
  sign(purpose: Purpose, data: string): string {
    return createHmac("sha256", this.key(purpose))
      .update(data)
      .digest()
      .subarray(0, MAC_BYTES)
      .toString("base64url");
  }

  /** Whether `mac` is this server's MAC of `data` (constant-time comparison). */
  verify(purpose: Purpose, data: string, mac: string): boolean {
    const expected = Buffer.from(this.sign(purpose, data));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private key(purpose: Purpose): Buffer {
    let key = this.keys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync("sha256", this.secret, "customer-file-portal", purpose, 32));
      this.keys.set(purpose, key);
    }
    return key;
  }
}
