import "reflect-metadata";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildAppSchema, printAppSchema } from "../schema.js";

/**
 * Writes schema.graphql from the type-graphql classes, or with --check fails when the committed
 * file differs from what the code emits (so a stale schema cannot land).
 */
async function run(): Promise<void> {
  const check = process.argv.includes("--check");
  const file = path.resolve(__dirname, "..", "..", "schema.graphql");
  const emitted = printAppSchema(await buildAppSchema());
  if (check) {
    let committed = "";
    try {
      committed = readFileSync(file, "utf8");
    } catch {
      committed = "";
    }
    if (committed !== emitted) {
      process.stderr.write(
        "schema.graphql is stale: the type-graphql classes emit a different schema.\n" +
          "Run `npm run emit-schema` and commit the result.\n",
      );
      process.exit(1);
    }
    process.stdout.write("schema.graphql is up to date\n");
    return;
  }
  writeFileSync(file, emitted);
  process.stdout.write(`wrote ${file}\n`);
}

run().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
