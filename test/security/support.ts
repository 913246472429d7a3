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
 * Makes attempts of `client`'s commands fail with the error `error()` returns (null lets the
 * attempt through), before the request leaves the process: SDK-level fault injection, since no
 * emulator can be told to answer with a chosen AWS error. It sits inside the SDK's retry loop, so
 * it sees every attempt. `stop()` removes it.
 */
export function failAwsCalls(
  client: AwsClients["s3"] | AwsClients["cognito"],
  error: (commandName: string) => Error | null,
): { stop(): void } {
  const name = `failAwsCalls${++seq}`;
  stackOf(client).add(
    (next, context) => (args) => {
      const err = error(String(context.commandName));
      if (err) return Promise.reject(err);
      return next(args);
    },
    { step: "finalizeRequest", name, priority: "low" },
  );
  return { stop: () => stackOf(client).remove(name) };
}

/**
 * Answers the named commands of `client` with `answer(input)` instead of sending them (SDK-level
 * stand-in for operations the local emulator lacks). `stop()` removes it.
 */
export function stubAwsCommands(
  client: AwsClients["s3"] | AwsClients["cognito"],
  answers: Record<string, (input: Record<string, unknown>) => Record<string, unknown>>,
): { stop(): void } {
  const name = `stubAwsCommands${++seq}`;
  stackOf(client).add(
    (next, context) => (args) => {
      const answer = answers[String(context.commandName)];
      if (!answer) return next(args);
      const output = { ...answer(args.input as Record<string, unknown>), $metadata: {} };
      return Promise.resolve({ output, response: {} }) as ReturnType<typeof next>;
    },
    { step: "initialize", name },
  );
  return { stop: () => stackOf(client).remove(name) };
}
