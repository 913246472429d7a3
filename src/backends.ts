import { awsIssuer } from "./aws/backends.js";
import type { Backends } from "./aws/backends.js";
import type { Config, SecretSource } from "./config.js";

/**
 * Backends for AWS mode, from validated config. Secrets named as SSM parameters are read here,
 * in one GetParameters call, and nowhere else.
 */
export async function awsBackends(config: Config): Promise<Backends> {
  const aws = config.aws;
  if (!aws) throw new Error("awsBackends needs AWS mode");
  const issuer = aws.cognitoEndpoint
    ? `${aws.cognitoEndpoint}/${aws.userPoolId}`
    : awsIssuer(aws.region, aws.userPoolId);
  const [clientSecret, sessionSecret] = await readSecrets(
    [aws.clientSecret, aws.sessionSecret],
    aws.region,
    config.awsTimeoutMs,
  );
  return {
    region: aws.region,
    cognito: {
      userPoolId: aws.userPoolId,
      clientId: aws.clientId,
      clientSecret: clientSecret as string,
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      ...(aws.cognitoEndpoint ? { endpoint: aws.cognitoEndpoint } : {}),
      globalSignOut: true,
    },
    s3: {
      bucket: aws.bucket,
      forcePathStyle: aws.s3ForcePathStyle,
      ...(aws.s3Endpoint ? { endpoint: aws.s3Endpoint } : {}),
    },
    ses: config.account.mailFrom
      ? config.account.sesEndpoint
        ? { endpoint: config.account.sesEndpoint }
        : {}
      : null,
    sessionSecret: Buffer.from(sessionSecret as string, "base64"),
    timeoutMs: config.awsTimeoutMs,
  };
}

/** The values of the given secrets, in order; parameters come from SSM in one call. */
async function readSecrets(
  sources: readonly SecretSource[],
  region: string,
  timeoutMs: number,
): Promise<string[]> {
  const names = sources.flatMap((s) => ("parameter" in s ? [s.parameter] : []));
  const values = new Map<string, string>();
  if (names.length > 0) {
    // Loaded only when a secret is named as a parameter (the function, once per instance).
    const { GetParametersCommand, SSMClient } = await import("@aws-sdk/client-ssm");
    const ssm = new SSMClient({ region, maxAttempts: 3 });
    try {
      const response = await ssm.send(
        new GetParametersCommand({ Names: names, WithDecryption: true }),
        {
          abortSignal: AbortSignal.timeout(timeoutMs),
        },
      );
      for (const parameter of response.Parameters ?? [])
        if (parameter.Name && parameter.Value) values.set(parameter.Name, parameter.Value);
    } finally {
      ssm.destroy();
    }
    const missing = names.filter((n) => !values.has(n));
    if (missing.length) throw new Error(`SSM parameters not found or empty: ${missing.join(", ")}`);
  }
  return sources.map((s) => ("parameter" in s ? (values.get(s.parameter) as string) : s.value));
}
