import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildSchema } from "graphql";
import { permissionOptions, permissions } from "../../src/permissions/index.js";
import { MATRIX } from "./matrix.js";
import { DOC_PATH, renderPermissionsDoc } from "./permissions-doc.js";

/**
 * `npm run docs:permissions`: writes docs/permissions.md from the rule map and the matrix, over
 * the committed schema.graphql (itself checked by `npm run check:schema`). With --check, fails
 * when the committed file differs instead.
 */
async function run(): Promise<void> {
  const root = process.cwd();
  const schema = buildSchema(readFileSync(path.join(root, "schema.graphql"), "utf8"));
  const doc = await renderPermissionsDoc(schema, permissions, permissionOptions, MATRIX);
  const file = path.join(root, DOC_PATH);
  if (process.argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(file, "utf8");
    } catch {
      committed = "";
    }
    if (committed !== doc) {
      process.stderr.write(
        `${DOC_PATH} is stale: the rule map or the matrix changed.\n` +
          "Run `npm run docs:permissions` and commit the result.\n",
      );
      process.exit(1);
    }
    process.stdout.write(`${DOC_PATH} is up to date\n`);
    return;
  }
  writeFileSync(file, doc);
  process.stdout.write(`wrote ${DOC_PATH}\n`);
}

run().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
