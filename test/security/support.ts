import type { MiddlewareStack } from "@smithy/types";
import type { AwsClients } from "../../src/aws/clients.js";

type AnyStack = MiddlewareStack<object, object>;
const stackOf = (client: { middlewareStack: unknown }) => client.middlewareStack as AnyStack;

let seq = 0;

/**
 * Counts every command the app's AWS clients send (an SDK middleware at the initialize step, so
 * retries count once). `stop()` removes it.
 */
export function countAwsCalls(clients: Pick<AwsClients, "s3" | "cognito">): {
  total(): number;
  names(): string[];
  stop(): void;
} {
  const name = `countAwsCalls${++seq}`;
  const seen: string[] = [];
  for (const client of [clients.s3, clients.cognito]) {
    stackOf(client).add(
      (next, context) => (args) => {
        seen.push(String(context.commandName));
        return next(args);
      },
      { step: "initialize", name },
    );
  }
  return {
    total: () => seen.length,
    names: () => [...seen],
    stop() {
      stackOf(clients.s3).remove(name);
      stackOf(clients.cognito).remove(name);
    },
  };
}

/**
 * Makes every command of `client` fail with `error` before it leaves the process (SDK-level
 * fault injection: no emulator can be told to answer with a chosen AWS error). `stop()` removes it.
 */
export function failAwsCalls(
  client: AwsClients["s3"] | AwsClients["cognito"],
  error: () => Error,
): { stop(): void } {
  const name = `failAwsCalls${++seq}`;
  stackOf(client).add(
    () => () => {
      throw error();
    },
    { step: "finalizeRequest", name, priority: "low" },
  );
  return { stop: () => stackOf(client).remove(name) };
}
