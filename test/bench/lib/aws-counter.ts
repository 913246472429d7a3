import type { AwsClients } from "../../../src/aws/clients.js";

export interface CallCounts {
  /** Calls per command name, e.g. { ListObjectsV2Command: 2 }. */
  readonly calls: Record<string, number>;
  /** The most calls of each command that were in flight at the same moment. */
  readonly maxInFlight: Record<string, number>;
  /** The most calls of any kind in flight at once, per client. */
  readonly total: number;
}

/**
 * Counts every AWS call the app's SDK clients send, with SDK middleware (nothing in the app
 * changes): calls per command and how many ran at once. `reset()` starts a new count.
 */
export function countAwsCalls(clients: AwsClients): {
  snapshot(): CallCounts;
  reset(): void;
} {
  let calls: Record<string, number> = {};
  let maxInFlight: Record<string, number> = {};
  let inFlight: Record<string, number> = {};
  for (const client of [clients.s3, clients.cognito] as const) {
    (client.middlewareStack as { add: (mw: unknown, o: unknown) => void }).add(
      (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          const name = context.commandName ?? "unknown";
          calls[name] = (calls[name] ?? 0) + 1;
          inFlight[name] = (inFlight[name] ?? 0) + 1;
          maxInFlight[name] = Math.max(maxInFlight[name] ?? 0, inFlight[name] ?? 0);
          try {
            return await next(args);
          } finally {
            inFlight[name] = (inFlight[name] ?? 1) - 1;
          }
        },
      { step: "initialize", name: "benchCallCounter", override: true },
    );
  }
  return {
    snapshot: () => ({
      calls: { ...calls },
      maxInFlight: { ...maxInFlight },
      total: Object.values(calls).reduce((a, b) => a + b, 0),
    }),
    reset() {
      calls = {};
      maxInFlight = {};
      inFlight = {};
    },
  };
}
