import type { LocalStack } from "../src/local/stack.js";
import { addressOf, startPrivateTestStack } from "./helpers/stack.js";
import type { StackAddress } from "./helpers/stack.js";
import { runFiles } from "./helpers/run-files.js";

/** Files that never use the stand-ins: a run of only these starts none. */
const NO_STAND_INS = /[\\/]test[\\/](unit|terraform)[\\/]|differential\.test\.ts$/;

/**
 * The run's stand-ins, kept on the main process's global object: vitest runs this file once per
 * project that lists it (each with a fresh module), and they must share one stack.
 */
const shared = globalThis as { portalSharedStack?: { stack: Promise<LocalStack>; users: number } };

/**
 * One set of local stand-ins (cognito-local, s3rver, the SES stand-in) for every test file of the
 * projects that list this file: started once per run instead of once per file. Each file gets a
 * user pool and a bucket of its own on it through `startTestStack()` (test/helpers/stack.ts).
 */
export async function setup(project: {
  provide(key: "sharedStack", value: StackAddress): void;
}): Promise<() => Promise<void>> {
  if (runFiles(project)?.every((file) => NO_STAND_INS.test(file))) return () => Promise.resolve();
  const started = Date.now();
  const entry = (shared.portalSharedStack ??= { stack: startPrivateTestStack(), users: 0 });
  entry.users++;
  const stack = await entry.stack;
  project.provide("sharedStack", addressOf(stack));
  if (entry.users === 1)
    process.stderr.write(`shared local stack ready in ${Date.now() - started} ms\n`);
  return async () => {
    // The last project to finish stops it.
    if (--entry.users > 0) return;
    delete shared.portalSharedStack;
    await stack.stop();
  };
}
