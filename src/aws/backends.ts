/**
 * Where the API finds Cognito and S3, and the secrets it holds: real AWS (from config) or the
 * local stand-ins (src/local/stack.ts builds those; src/backends.ts reads the AWS ones from config). Resolved once at start-up; everything
 * downstream takes this instead of reading config.
 */
export interface Backends {
  readonly region: string;
  readonly cognito: {
    readonly userPoolId: string;
    readonly clientId: string;
    /** The confidential app client's secret: every password and refresh flow sends SECRET_HASH. */
    readonly clientSecret: string;
    /** Token issuer, `https://cognito-idp.{region}.amazonaws.com/{poolId}` on AWS. */
    readonly issuer: string;
    readonly jwksUri: string;
    readonly endpoint?: string;
    readonly credentials?: { accessKeyId: string; secretAccessKey: string };
    /**
     * Whether AdminUserGlobalSignOut exists there (AWS yes; the local stand-in answers it with an
     * error the SDK retries). Sessions end through `custom:revoked_at` either way.
     */
    readonly globalSignOut: boolean;
  };
  readonly s3: {
    readonly bucket: string;
    readonly endpoint?: string;
    readonly forcePathStyle: boolean;
    readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  /** Where email goes out (SES v2); null when this deployment sends none. */
  readonly ses: {
    readonly endpoint?: string;
    readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  } | null;
  /** Seals sessions, links, cursors, ids and upload handles (src/common/sealer.ts). */
  readonly sessionSecret: Buffer;
  /** Per-call timeout in milliseconds. */
  readonly timeoutMs: number;
}

export function awsIssuer(region: string, userPoolId: string): string {
  return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}
