import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { S3Client } from "@aws-sdk/client-s3";
import type { SESv2Client } from "@aws-sdk/client-sesv2";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Backends } from "./backends.js";

export interface AwsClients {
  readonly s3: S3Client;
  readonly cognito: CognitoIdentityProviderClient;
  /**
   * The SES client, made (and its SDK package loaded) at the first email: most requests never
   * send one, and an instance that does not pays nothing for it. Null when no email is sent.
   */
  readonly ses: (() => Promise<SESv2Client>) | null;
  destroy(): void;
}

/**
 * SDK clients with the settings every call needs:
 * - a timeout per attempt, so a dependency that hangs becomes SERVICE_UNAVAILABLE in bounded time
 *   (at most maxAttempts × timeoutMs plus backoff: S3 3 attempts, Cognito 4);
 * - the SDK's standard retry mode (exponential backoff with full jitter; throttling errors retried);
 * - S3 checksums only WHEN_REQUIRED: with the SDK default, presigned PUT URLs carry the CRC of an
 *   empty body and streamed uploads get aws-chunked framing (aws-sdk-js-v3 issues 6810/6994).
 */
export function createAwsClients(backends: Backends): AwsClients {
  const handler = () =>
    new NodeHttpHandler({
      connectionTimeout: Math.min(backends.timeoutMs, 3000),
      requestTimeout: backends.timeoutMs,
      // Without this, @smithy/node-http-handler 4.x only logs a warning when requestTimeout passes
      // and the call waits for ever on a dependency that accepts the connection but never answers.
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
    });
  const s3 = new S3Client({
    region: backends.region,
    ...(backends.s3.endpoint ? { endpoint: backends.s3.endpoint } : {}),
    ...(backends.s3.credentials ? { credentials: backends.s3.credentials } : {}),
    forcePathStyle: backends.s3.forcePathStyle,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    retryMode: "standard",
    maxAttempts: 3,
    requestHandler: handler(),
  });
  const cognito = new CognitoIdentityProviderClient({
    region: backends.region,
    ...(backends.cognito.endpoint ? { endpoint: backends.cognito.endpoint } : {}),
    ...(backends.cognito.credentials ? { credentials: backends.cognito.credentials } : {}),
    retryMode: "standard",
    maxAttempts: 4,
    requestHandler: handler(),
  });
  const sesSettings = backends.ses;
  const createSes = async (settings: NonNullable<Backends["ses"]>) => {
    const { SESv2Client } = await import("@aws-sdk/client-sesv2");
    return new SESv2Client({
      region: backends.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
      retryMode: "standard",
      maxAttempts: 3,
      requestHandler: handler(),
    });
  };
  let ses: Promise<SESv2Client> | undefined;
  return {
    s3,
    cognito,
    ses: sesSettings ? () => (ses ??= createSes(sesSettings)) : null,
    destroy() {
      s3.destroy();
      cognito.destroy();
      void ses?.then((client) => client.destroy());
    },
  };
}
