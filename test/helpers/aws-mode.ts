import { createApp } from "../../src/app.js";
import type { App } from "../../src/app.js";
import { awsBackends } from "../../src/backends.js";
import type { Backends } from "../../src/aws/backends.js";
import { readConfig } from "../../src/config.js";
import type { Config } from "../../src/config.js";
import type { LocalStack } from "../../src/local/stack.js";
import { createLogger, silentLogger } from "../../src/log.js";
import { TEST_CORS_ORIGIN, awsModeEnv } from "./stack.js";

export interface AwsModeApp {
  readonly config: Config;
  readonly backends: Backends;
  readonly app: App;
  /** Base URL of its HTTP server. */
  readonly url: string;
  /** Log lines (JSON), when captured. */
  readonly logs: string[];
  stop(): Promise<void>;
}

const CREDENTIAL_KEYS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;

/**
 * Starts the API in-process exactly as `npm start` and the Lambda handler do in AWS mode —
 * readConfig → awsBackends → createApp — against the stand-ins of `stack`, and serves it over
 * HTTP. The SDK finds its credentials in process.env (set here, restored by stop()), so only
 * one AWS-mode app per test file.
 */
export async function startAwsModeApp(
  stack: LocalStack,
  options: { env?: Record<string, string>; captureLogs?: boolean } = {},
): Promise<AwsModeApp> {
  const settings: Record<string, string | undefined> = {
    ...awsModeEnv(stack),
    CORS_ORIGINS: TEST_CORS_ORIGIN,
    NODE_ENV: "production",
    ...options.env,
  };
  const saved = CREDENTIAL_KEYS.map((k) => [k, process.env[k]] as const);
  const apply = (entries: readonly (readonly [string, string | undefined])[]) => {
    for (const [k, v] of entries)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  };
  apply(CREDENTIAL_KEYS.map((k) => [k, settings[k]] as const));
  const restore = () => apply(saved);
  const logs: string[] = [];
  const log = options.captureLogs ? createLogger("debug", {}, (l) => logs.push(l)) : silentLogger;
  try {
    const config = readConfig(settings);
    const backends = await awsBackends(config);
    const app = await createApp(config, backends, log);
    const url = await app.listen(0, "127.0.0.1");
    return {
      config,
      backends,
      app,
      url,
      logs,
      async stop() {
        await app.close();
        restore();
      },
    };
  } catch (err) {
    restore();
    throw err;
  }
}
