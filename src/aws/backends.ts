import type { Config } from "../config.js";
import type { LocalStack } from "../local/stack.js";

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

/** Backends for AWS mode, from validated config. */
export function awsBackends(config: Config): Backends {
  const aws = config.aws;
  if (!aws) throw new Error("awsBackends needs AWS mode");
  const issuer = aws.cognitoEndpoint
    ? `${aws.cognitoEndpoint}/${aws.userPoolId}`
    : awsIssuer(aws.region, aws.userPoolId);
  return {
    region: aws.region,
    cognito: {
      userPoolId: aws.userPoolId,
      clientId: aws.clientId,
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      ...(aws.cognitoEndpoint ? { endpoint: aws.cognitoEndpoint } : {}),
    },
    s3: {
      bucket: aws.bucket,
      forcePathStyle: aws.s3ForcePathStyle,
      ...(aws.s3Endpoint ? { endpoint: aws.s3Endpoint } : {}),
    },
    timeoutMs: config.awsTimeoutMs,
  };
}

/** Backends pointing at the local stand-ins. */
export function localBackends(stack: LocalStack, timeoutMs: number): Backends {
  return {
    region: stack.region,
    cognito: { ...stack.cognito },
    s3: {
      bucket: stack.s3.bucket,
      endpoint: stack.s3.endpoint,
      forcePathStyle: true,
      credentials: stack.s3.credentials,
    },
    timeoutMs,
  };
}
