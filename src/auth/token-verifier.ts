import { JwtVerifier } from "aws-jwt-verify";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { UnauthenticatedError } from "../errors.js";

/** What the API takes from a verified Cognito token. */
export interface TokenClaims {
  readonly sub: string;
  /** Cognito username (`cognito:username` in ID tokens, `username` in access tokens). */
  readonly username: string;
  readonly groups: readonly string[];
  readonly tokenUse: "id" | "access";
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /**
   * When the session began (`auth_time`; `iat` when absent), seconds since the epoch. Refreshed
   * tokens keep it on AWS, so it dates the whole session for revocation.
   */
  readonly authTime: number;
}

export interface TokenVerifierOptions {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly clientId: string;
  /**
   * JWKS fetched by the caller (local stand-in over plain http, which the library's default
   * fetcher refuses). When omitted the library fetches `jwksUri` itself (https only).
   */
  readonly jwks?: Parameters<JwtVerifierInstance["cacheJwks"]>[0];
  /** How many verified tokens to remember (RS256 verification costs ~31 µs). */
  readonly cacheSize?: number;
}

type JwtVerifierInstance = ReturnType<typeof createJwtVerifier>;

function createJwtVerifier(o: TokenVerifierOptions) {
  return JwtVerifier.create({
    issuer: o.issuer,
    audience: null,
    jwksUri: o.jwksUri,
    // Access tokens carry `client_id`, ID tokens `aud`: validateCognitoJwtFields checks the right
    // one for each and pins token_use to id|access (a refresh token is not a JWT at all).
    customJwtCheck: ({ payload }) =>
      validateCognitoJwtFields(payload, { tokenUse: null, clientId: o.clientId }),
  });
}

/**
 * Verifies Cognito access and ID tokens of one pool and one app client: RS256 signature against
 * the pool's JWKS, issuer, expiry / not-before, token_use and client id. `alg: none`, HS256 and
 * other key types are refused by aws-jwt-verify itself.
 *
 * A small LRU keeps the claims of tokens already verified; a hit needs the whole token string to
 * be equal, so a tampered token is never a hit. Expiry is still checked on every use. The map is
 * keyed by the token's last characters (part of the RS256 signature) rather than the whole token:
 * hashing a fresh ~1 KB string on every request cost more than the rest of the lookup together.
 */
export class TokenVerifier {
  private readonly verifier: JwtVerifierInstance;
  private readonly cache = new Map<string, { token: string; claims: TokenClaims }>();
  private readonly cacheSize: number;

  constructor(options: TokenVerifierOptions) {
    this.verifier = createJwtVerifier(options);
    if (options.jwks) this.verifier.cacheJwks(options.jwks);
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  /** Loads the JWKS ahead of the first request (a no-op when it was given). */
  async hydrate(): Promise<void> {
    await this.verifier.hydrate();
  }

  /**
   * The claims of a token verified before, synchronously, or undefined when it was not (then
   * `verify` it). Throws UNAUTHENTICATED for a remembered token that has expired since.
   */
  cached(token: string): TokenClaims | undefined {
    const key = cacheKey(token);
    const entry = this.cache.get(key);
    if (!entry || entry.token !== token) return undefined;
    if (entry.claims.exp > Date.now() / 1000) {
      // Refresh its LRU position.
      this.cache.delete(key);
      this.cache.set(key, entry);
      return entry.claims;
    }
    this.cache.delete(key);
    throw new UnauthenticatedError("The token has expired; refresh it or sign in again");
  }

  async verify(token: string): Promise<TokenClaims> {
    const hit = this.cached(token);
    if (hit) return hit;
    const key = cacheKey(token);
    let payload: JwtPayload;
    try {
      payload = await this.verifier.verify(token);
    } catch {
      throw new UnauthenticatedError("The token is not valid for this API");
    }
    const claims = toClaims(payload);
    if (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.delete(key);
    this.cache.set(key, { token, claims });
    return claims;
  }
}

/** The LRU key of a token: its last 32 characters (signature bytes; equality is checked in full). */
function cacheKey(token: string): string {
  return token.length > 32 ? token.slice(-32) : token;
}

function toClaims(p: JwtPayload): TokenClaims {
  const username = p.token_use === "id" ? p["cognito:username"] : p.username;
  const groups = p["cognito:groups"];
  if (
    typeof p.sub !== "string" ||
    typeof username !== "string" ||
    typeof p.exp !== "number" ||
    (p.token_use !== "id" && p.token_use !== "access")
  ) {
    throw new UnauthenticatedError("The token is not valid for this API");
  }
  return {
    sub: p.sub,
    username,
    groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === "string") : [],
    tokenUse: p.token_use,
    exp: p.exp,
    authTime: typeof p.auth_time === "number" ? p.auth_time : typeof p.iat === "number" ? p.iat : 0,
  };
}

/** Pulls the token out of `Authorization: Bearer <token>`; undefined when there is no header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header === "") return undefined;
  const m = /^Bearer ([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*)$/.exec(header.trim());
  if (!m?.[1]) throw new UnauthenticatedError("Send the token as 'Authorization: Bearer <token>'");
  return m[1];
}
