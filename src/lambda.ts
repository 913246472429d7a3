import "reflect-metadata";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { createApp } from "./app.js";
import type { App } from "./app.js";
import path from "node:path";
import { readConfig } from "./config.js";
import { requestIdFrom } from "./http/request-id.js";
import { createLogger } from "./log.js";
import { awsBackends } from "./backends.js";

/** A response declaring a UTF-8 charset (GraphQL answers, the app's HTML, scripts and styles). */
const UTF8_TEXT = /;\s*charset=utf-8/i;

/**
 * AWS Lambda entry point behind an API Gateway HTTP API (payload format 2.0). The function holds
 * no state beyond caches: scaling out is more instances, each reading the same Cognito and S3.
 * Events go through the same route table, Apollo server, context builder (token verification,
 * viewer) and permission layer as `npm start`.
 */
export type LambdaHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The Lambda transport: an API Gateway v2 event becomes the route table's HttpRequest
 * (http/routes.ts), the same one the Node server uses, and its answer a Lambda result (bodies
 * base64, so the web app's binary files pass API Gateway unchanged).
 */
export function createLambdaHandler(app: Promise<App>): LambdaHandler {
  return async (event) => {
    const api = await app;
    const headers = new Map<string, string>();
    for (const [name, value] of Object.entries(event.headers ?? {}))
      if (value !== undefined) headers.set(name.toLowerCase(), value);
    const raw = event.body
      ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8")
      : Buffer.alloc(0);
    const res = await api.respond({
      method: event.requestContext.http.method,
      path: event.rawPath,
      search: event.rawQueryString ? `?${event.rawQueryString}` : "",
      headers,
      declaredLength: raw.length,
      body: async (limit: number) => (raw.length > limit ? null : raw.toString("utf8")),
      source: event.requestContext.http.sourceIp,
      requestId: requestIdFrom(headers.get("x-request-id"), () => event.requestContext.requestId),
    });
    let body: Buffer;
    if (typeof res.body === "string" || Buffer.isBuffer(res.body)) body = Buffer.from(res.body);
    else {
      const chunks: string[] = [];
      for await (const chunk of res.body) chunks.push(chunk);
      body = Buffer.from(chunks.join(""));
    }
    // Text as it is; anything else (images, fonts) base64, which API Gateway turns into bytes.
    const text = UTF8_TEXT.test(String(res.headers["content-type"] ?? ""));
    return {
      statusCode: res.status,
      headers: { ...res.headers },
      body: body.toString(text ? "utf8" : "base64"),
      isBase64Encoded: !text,
    };
  };
}

let fromEnvironment: LambdaHandler | undefined;

/** Builds the app from the function's environment (AWS mode; Lambda sets AWS_REGION itself). */
function handlerFromEnvironment(): LambdaHandler {
  const config = readConfig();
  if (config.mode !== "aws")
    throw new Error(
      "The Lambda handler needs COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID and S3_BUCKET",
    );
  const log = createLogger(config.logLevel, { service: "portal-api" });
  return createLambdaHandler(
    // The web app ships beside the bundle (build-lambda puts dist/web in the zip as web/).
    awsBackends(config).then((backends) =>
      createApp({ ...config, webDir: path.join(__dirname, "web") }, backends, log),
    ),
  );
}

// Start initialising during Lambda's init phase (which has boosted CPU), not on the first request.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) fromEnvironment = handlerFromEnvironment();

export const handler: LambdaHandler = (event) =>
  (fromEnvironment ??= handlerFromEnvironment())(event);
