import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";
import { LongestFirst } from "./test/sequencer.mjs";

const require = createRequire(import.meta.url);

export default defineConfig({
  environments: {
    // The environment vitest loads global setups in (test/global-setup.ts starts the stand-ins)
    // resolves packages as a browser would: the AWS SDK's ES builds, about 300 files transformed
    // and run one by one before the first test file. Resolved as Node does, the SDK loads as
    // CommonJS. If a vitest release renames this environment, the setup is slower, not wrong.
    __vitest__: { resolve: { mainFields: ["main"], conditions: ["node"] } },
  },
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
    // Transformed files kept in node_modules/.experimental-vitest-cache between runs (keyed by
    // content and configuration; a fresh install starts it empty).
    experimental: { fsModuleCache: true },
    // Most of a test waits on the stand-ins, Chromium or child processes: more files than cores
    // run at once (vitest would run one at a time on a 2-core machine). Three, not four: with four
    // the same run took longer and more CPU here (docs/performance.md, "The test suite").
    maxWorkers: 3,
    setupFiles: ["test/setup.ts"],
    sequence: { sequencer: LongestFirst },
    // One project for every file: vitest keeps a worker (isolate: false) only for a next file of
    // the same project, so with four projects (unit, stack, browser, bench) a run started a dozen
    // workers, each loading the AWS SDK, Apollo and type-graphql again, and transformed shared
    // modules once per project. Files share a worker's loaded modules: they set no global state
    // that outlives them (fake timers are put back after each test).
    isolate: false,
    include: [
      // Units, Terraform read as data, policy and permission tables: no stand-ins.
      "test/unit/**/*.test.ts",
      "test/terraform/**/*.test.ts",
      // Integration and security suites, each file on its own user pool and bucket of the run's
      // shared stand-ins.
      "test/integration/**/*.test.ts",
      "test/security/**/*.test.ts",
      "test/local-stack.test.ts",
      // Chromium-driven (the web app, the playground, the browser end-to-end test), and the
      // client package built and used as a dependency.
      "test/web/**/*.test.ts",
      "test/e2e/**/*.test.ts",
      // The benchmark at tiny sizes, on its own fixture.
      "test/bench/**/*.test.ts",
    ],
    // The run's shared stand-ins (test/global-setup.ts) and the web app built once
    // (test/web/global-setup.ts).
    globalSetup: ["test/global-setup.ts", "test/web/global-setup.ts"],
  },
});
