/**
 * Where the API finds Cognito and S3: real AWS (from config) or the local stand-ins.
 * Resolved once at start-up; everything downstream takes this instead of reading config.
 */
export interface Backends {
  readonly region: string;
  readonly cognito: {
    readonly userPoolId: string;
    readonly clientId: string;
    /** Token issuer, `https://cognito-idp.{region}.amazonaws.com/{poolId}` on AWS. */
    readonly issuer: string;
    readonly jwksUri: string;
    readonly endpoint?: string;
    readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  readonly s3: {
    readonly bucket: string;
    readonly endpoint?: string;
    readonly forcePathStyle: boolean;
    readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  /** Per-call timeout in milliseconds. */
  readonly timeoutMs: number;
}

export function awsIssuer(region: string, userPoolId: string): string {
  return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}
