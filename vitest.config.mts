import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";
import { LongestFirst } from "./test/sequencer.mjs";

const require = createRequire(import.meta.url);

/** Chromium-driven tests: the web app, the playground, the browser end-to-end test. */
const BROWSER = [
  "test/web/**/*.test.ts",
  "test/e2e/browser.test.ts",
  "test/e2e/playground.test.ts",
];

export default defineConfig({
  resolve: {
    // Vite would pick graphql's .mjs build while type-graphql, Apollo and graphql-shield load the
    // CJS one: two copies of graphql ("Cannot use GraphQLSchema from another module or realm").
    // graphql-query-complexity's ESM build imports graphql's .mjs files by path: its CJS build too.
    alias: [
      { find: /^graphql$/, replacement: require.resolve("graphql") },
      {
        find: /^graphql-query-complexity$/,
        replacement: require.resolve("graphql-query-complexity"),
      },
    ],
  },
  test: {
    testTimeout: 30_000,
    // expect.poll waits up to 10 s (default 1 s): with several files at once on two cores, a
    // page or a stand-in can take longer than a second to answer.
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 60_000,
    pool: "forks",
    // Most of a test waits on the stand-ins, Chromium or child processes: more files than cores
    // run at once (vitest would run one at a time on a 2-core machine).
    maxWorkers: 3,
    setupFiles: ["test/setup.ts"],
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        // No stand-ins: units, Terraform read as data, policy and permission tables.
        extends: true,
        test: {
          name: "unit",
          // Files share a worker's loaded modules (they set no global state that outlives them):
          // the AWS SDK, graphql and type-graphql load once per worker, not once per file.
          isolate: false,
          include: [
            "test/unit/**/*.test.ts",
            "test/terraform/**/*.test.ts",
            "test/security/differential.test.ts",
            "test/security/keys.test.ts",
            "test/security/permissions-doc.test.ts",
            "test/e2e/client-package.test.ts",
          ],
          exclude: [
            "test/terraform/iam-consistency.test.ts",
            "test/terraform/terraform-cli.test.ts",
          ],
        },
      },
      {
        // Integration and security suites against one local stack shared by the whole run.
        extends: true,
        test: {
          name: "stack",
          isolate: false,
          include: [
            "test/integration/**/*.test.ts",
            "test/security/**/*.test.ts",
            "test/terraform/iam-consistency.test.ts",
            "test/terraform/terraform-cli.test.ts",
            "test/local-stack.test.ts",
          ],
          exclude: [
            "test/security/differential.test.ts",
            "test/security/keys.test.ts",
            "test/security/permissions-doc.test.ts",
          ],
          globalSetup: ["test/global-setup.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          include: BROWSER,
          isolate: false,
          globalSetup: ["test/global-setup.ts", "test/web/global-setup.ts"],
        },
      },
      {
        // The benchmark at tiny sizes, on its own fixture.
        extends: true,
        test: { name: "bench", include: ["test/bench/**/*.test.ts"] },
      },
    ],
  },
});
