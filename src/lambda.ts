import "reflect-metadata";
import { handlers } from "@as-integrations/aws-lambda";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { createApp } from "./app.js";
import type { App } from "./app.js";
import { readConfig } from "./config.js";
import { requestIdFrom } from "./http/request-id.js";
import { createLogger } from "./log.js";
import type { Logger } from "./log.js";
import { awsBackends } from "./aws/backends.js";

/**
 * AWS Lambda entry point behind an API Gateway HTTP API (payload format 2.0). The function holds
 * no state beyond caches: scaling out is more instances, each reading the same Cognito and S3.
 *
 * Events go through @as-integrations/aws-lambda's API Gateway v2 request handler into the same
 * Apollo server, context builder (token verification, viewer) and permission layer as `npm start`.
 * CORS is answered by the HTTP API itself (terraform/api.tf).
 */
export type LambdaHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2>;

const eventHandler = handlers.createAPIGatewayProxyEventV2RequestHandler();

function json(
  statusCode: number,
  body: unknown,
  requestId: string,
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8", "x-request-id": requestId },
    body: JSON.stringify(body),
  };
}

/** A handler over an app (tests pass one built on the local stand-ins). */
export function createLambdaHandler(
  app: Promise<App>,
  log: Logger,
  bodyLimitBytes: number,
): LambdaHandler {
  return async (event) => {
    const started = Date.now();
    const requestId = requestIdFrom(
      event.headers?.["x-request-id"],
      () => event.requestContext.requestId,
    );
    const path = event.rawPath;
    let result: APIGatewayProxyStructuredResultV2;
    if (path === "/healthz") {
      result = json(200, { status: "ok" }, requestId);
    } else if (path === "/readyz") {
      const r = await (await app).ready();
      result = json(
        r.ok ? 200 : 503,
        { status: r.ok ? "ready" : "unavailable", checks: r.checks },
        requestId,
      );
    } else if (path !== "/graphql") {
      result = json(
        404,
        {
          errors: [
            { message: "Not found: the API lives at /graphql", extensions: { code: "NOT_FOUND" } },
          ],
        },
        requestId,
      );
    } else if (
      event.body &&
      Buffer.byteLength(event.body, event.isBase64Encoded ? "base64" : "utf8") > bodyLimitBytes
    ) {
      result = json(
        413,
        {
          errors: [
            {
              message: `Request body larger than ${bodyLimitBytes} bytes`,
              extensions: { code: "BAD_REQUEST" },
            },
          ],
        },
        requestId,
      );
    } else {
      const a = await app;
      try {
        const httpGraphQLRequest = eventHandler.fromEvent(event);
        const response = await a.apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest,
          context: () =>
            a.context({
              authorization: event.headers?.authorization,
              requestId,
              source: event.requestContext.http.sourceIp,
            }),
        });
        result = eventHandler.toSuccessResult(response);
        result.headers = { ...result.headers, "x-request-id": requestId };
      } catch {
        result = json(
          400,
          {
            errors: [
              {
                message: "The request body is not valid JSON",
                extensions: { code: "BAD_REQUEST" },
              },
            ],
          },
          requestId,
        );
      }
    }
    log.info("request", {
      requestId,
      method: event.requestContext.http.method,
      path,
      status: result.statusCode,
      ms: Date.now() - started,
    });
    return result;
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
    awsBackends(config).then((backends) => createApp(config, backends, log)),
    log,
    config.bodyLimitBytes,
  );
}

// Start initialising during Lambda's init phase (which has boosted CPU), not on the first request.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) fromEnvironment = handlerFromEnvironment();

export const handler: LambdaHandler = (event) =>
  (fromEnvironment ??= handlerFromEnvironment())(event);
