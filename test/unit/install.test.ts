import { readFileSync } from "node:fs";
import path from "node:path";
import { minVersion, satisfies } from "semver";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
  allowScripts?: Record<string, boolean>;
};

describe("npm install on a fresh machine", () => {
  it("installs nothing whose engines exclude the oldest Node the project supports (no EBADENGINE warnings)", () => {
    const oldest = minVersion(pkg.engines.node)!.version;
    const refused = Object.entries(lock.packages)
      .filter(([k]) => k !== "")
      .flatMap(([k, p]) => {
        const node = Array.isArray(p.engines) ? undefined : p.engines?.node;
        return node && !satisfies(oldest, node) ? [`${k}@${p.version}: node ${node}`] : [];
      });
    expect(refused).toEqual([]);
  });

  it("says which dependency install scripts run (none is needed), so npm lists none to review", () => {
    expect(pkg.allowScripts).toEqual({
      "@apollo/protobufjs": false,
      "aws-sdk": false,
      esbuild: false,
    });
  });
});
