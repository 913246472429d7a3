import { readFileSync } from "node:fs";
import { buildSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { permissionOptions, permissions } from "../../src/permissions/index.js";
import { MATRIX } from "./matrix.js";
import { DOC_PATH, renderPermissionsDoc } from "./permissions-doc.js";

describe("docs/permissions.md", () => {
  it("is what the rule map and the authorization matrix say (else: npm run docs:permissions)", async () => {
    const schema = buildSchema(readFileSync("schema.graphql", "utf8"));
    const doc = await renderPermissionsDoc(schema, permissions, permissionOptions, MATRIX);
    expect(
      readFileSync(DOC_PATH, "utf8") === doc,
      `${DOC_PATH} is stale: run npm run docs:permissions`,
    ).toBe(true);
  });

  it("answers from the table alone: a customer cannot read a GENERAL file's uploadedBy, and can read its name", () => {
    const doc = readFileSync(DOC_PATH, "utf8");
    const row = (label: string) =>
      doc
        .split("\n")
        .find((l) => l.startsWith(`| ${label}`))
        ?.split("|")
        .map((c) => c.trim());
    const header = row("field")!;
    const column = header.indexOf("customer (own)");
    expect(row("`File.uploadedBy` _on a GENERAL file_")?.[column]).toBe("FORBIDDEN");
    expect(row("`File.name` _on a GENERAL file_")?.[column]).toBe("allowed");
    expect(row("`File.uploadedBy` _on a GENERAL file_")?.[2]).toBe("`isAdmin`");
  });
});
