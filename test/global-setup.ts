import { addressOf, startPrivateTestStack } from "./helpers/stack.js";
import type { StackAddress } from "./helpers/stack.js";

/**
 * One set of local stand-ins (cognito-local, s3rver, the SES stand-in) for every test file of the
 * projects that list this file: started once per run instead of once per file. Each file gets a
 * user pool and a bucket of its own on it through `startTestStack()` (test/helpers/stack.ts).
 */
export async function setup(project: {
  provide(key: "sharedStack", value: StackAddress): void;
}): Promise<() => Promise<void>> {
  const started = Date.now();
  const stack = await startPrivateTestStack();
  project.provide("sharedStack", addressOf(stack));
  process.stderr.write(`shared local stack ready in ${Date.now() - started} ms\n`);
  return () => stack.stop();
}
