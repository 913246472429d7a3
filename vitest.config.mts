import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

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
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    setupFiles: ["test/setup.ts"],
  },
});
