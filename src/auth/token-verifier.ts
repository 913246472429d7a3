import { CognitoJwtVerifier, JwtVerifier } from "aws-jwt-verify";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";
import type { Fetcher } from "aws-jwt-verify/https";
import { SimpleFetcher } from "aws-jwt-verify/https";
import type { Jwks } from "aws-jwt-verify/jwk";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { LRUCache } from "lru-cache";
import { Agent as HttpAgent } from "node:http";
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
   * When the user authenticated (signed in with a password), seconds since the epoch: the
   * token's `auth_time`, which tokens refreshed from that sign-in keep; `iat` when a token
   * has no `auth_time`.
   */
  readonly authTime: number;
}

export interface TokenVerifierOptions {
  /** The `iss` every token must carry. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly clientId: string;
  /**
   * The user pool. When `issuer` is Cognito's own issuer for this pool
   * (`https://cognito-idp.<region>.amazonaws.com/<poolId>`), tokens are verified with
   * aws-jwt-verify's CognitoJwtVerifier, which derives issuer and JWKS URI from the pool id.
   * Any other issuer (a stand-in such as cognito-local behind COGNITO_ENDPOINT) is verified
   * with JwtVerifier against `issuer` and `jwksUri`, with the same Cognito claim checks.
   */
  readonly userPoolId?: string;
  /** A JWKS to start with (tests); otherwise it is fetched on `hydrate()` or first use. */
  readonly jwks?: Jwks;
  /** How many verified tokens to remember (an RS256 verification is costly: docs/performance.md). */
  readonly cacheSize?: number;
  /** Timeout of one JWKS download from a stand-in, in milliseconds. @default 5000 */
  readonly jwksTimeoutMs?: number;
}

/** The verifier kinds: Cognito's own (AWS), or issuer + JWKS URI (a stand-in). */
export type VerifierKind = "cognito" | "jwks";

interface Verifier {
  verify(token: string): Promise<JwtPayload>;
  hydrate(): Promise<void>;
  cacheJwks(jwks: Jwks): void;
}

/**
 * Cognito's issuer for a pool id, or undefined when the id is not one CognitoJwtVerifier
 * accepts: its USER_POOL_ID_REGEX wants `<region>_<id>` (e.g. eu-west-1_AbC123), so the
 * stand-in's `local_XXXXXXXX` ids are refused at construction.
 */
export function cognitoIssuer(userPoolId: string): string | undefined {
  try {
    return CognitoJwtVerifier.parseUserPoolId(userPoolId).issuer;
  } catch {
    return undefined;
  }
}

/**
 * aws-jwt-verify's own fetcher (its timeouts, one retry) for the JWKS at `jwksUri`. It sends
 * https requests; a stand-in serves its JWKS over plain http on 127.0.0.1, which it reaches
 * through an http agent. (Node's global fetch would load undici at a cold start just for this.)
 */
export function jwksFetcher(jwksUri: string, timeoutMs = 5000): Fetcher {
  return new SimpleFetcher({
    defaultRequestOptions: {
      timeout: timeoutMs,
      responseTimeout: timeoutMs,
      ...(jwksUri.startsWith("http:") ? { agent: new HttpAgent() } : {}),
    },
  });
}

function createVerifier(options: TokenVerifierOptions): { kind: VerifierKind; verifier: Verifier } {
  if (options.userPoolId !== undefined && cognitoIssuer(options.userPoolId) === options.issuer)
    return {
      kind: "cognito",
      // Pins the issuer, token_use to id|access and the client id (aud for ID tokens,
      // client_id for access tokens); a refresh token is not a JWT at all.
      verifier: CognitoJwtVerifier.create({
        userPoolId: options.userPoolId,
        clientId: options.clientId,
        tokenUse: null,
      }),
    };
  return {
    kind: "jwks",
    verifier: JwtVerifier.create(
      {
        issuer: options.issuer,
        audience: null,
        jwksUri: options.jwksUri,
        // The claim checks CognitoJwtVerifier makes, on tokens of another issuer.
        customJwtCheck: ({ payload }) =>
          validateCognitoJwtFields(payload, { tokenUse: null, clientId: options.clientId }),
      },
      {
        jwksCache: new SimpleJwksCache({
          fetcher: jwksFetcher(options.jwksUri, options.jwksTimeoutMs),
        }),
      },
    ),
  };
}

/**
 * Verifies Cognito access and ID tokens of one pool and one app client: RS256 signature against
 * the pool's JWKS, issuer, expiry / not-before, token_use and client id. `alg: none`, HS256 and
 * other key types are refused by aws-jwt-verify itself. On AWS this is CognitoJwtVerifier;
 * against a stand-in, JwtVerifier with the same claim checks (see TokenVerifierOptions).
 *
 * An LRU (lru-cache) keeps the claims of tokens already verified; a hit needs the whole token
 * string to be equal, so a tampered token is never a hit. Expiry is still checked on every use.
 * It is keyed by the token's last characters (part of the RS256 signature) rather than the whole
 * token: hashing a fresh ~1 KB string on every request costs more than the rest of the lookup.
 */
export class TokenVerifier {
  /** Which aws-jwt-verify verifier checks the tokens (see TokenVerifierOptions.userPoolId). */
  readonly kind: VerifierKind;
  private readonly verifier: Verifier;
  private readonly cache: LRUCache<string, { token: string; claims: TokenClaims }>;

  constructor(options: TokenVerifierOptions) {
    ({ kind: this.kind, verifier: this.verifier } = createVerifier(options));
    if (options.jwks) this.verifier.cacheJwks(options.jwks);
    this.cache = new LRUCache({ max: options.cacheSize ?? 10_000 });
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
    if (entry.claims.exp > Date.now() / 1000) return entry.claims;
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
    this.cache.set(key, { token, claims });
    return claims;
  }
}

/** The LRU key of a token: its last 32 characters (signature bytes; equality is checked in full). */
function cacheKey(token: string): string {
  return token.length > 32 ? token.slice(-32) : token;
}

function toClaims(payload: JwtPayload): TokenClaims {
  const username = payload.token_use === "id" ? payload["cognito:username"] : payload.username;
  const groups = payload["cognito:groups"];
  const authTime = typeof payload.auth_time === "number" ? payload.auth_time : payload.iat;
  if (
    typeof payload.sub !== "string" ||
    typeof username !== "string" ||
    typeof payload.exp !== "number" ||
    typeof authTime !== "number" ||
    (payload.token_use !== "id" && payload.token_use !== "access")
  ) {
    throw new UnauthenticatedError("The token is not valid for this API");
  }
  return {
    sub: payload.sub,
    username,
    groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === "string") : [],
    tokenUse: payload.token_use,
    exp: payload.exp,
    authTime,
  };
}

/** Pulls the token out of `Authorization: Bearer <token>`; undefined when there is no header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header === "") return undefined;
  const match = /^Bearer ([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*)$/.exec(
    header.trim(),
  );
  if (!match?.[1])
    throw new UnauthenticatedError("Send the token as 'Authorization: Bearer <token>'");
  return match[1];
}
