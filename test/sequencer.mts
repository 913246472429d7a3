import { BaseSequencer } from "vitest/node";
import type { TestSpecification } from "vitest/node";

/**
 * The files that take longest, longest first: started early, they run beside the many short
 * ones instead of after them. Vitest orders by the last run's durations when it has them (not on
 * a clean clone, as in CI) and otherwise by file size.
 */
const LONGEST = [
  "test/web/customer.test.ts",
  "test/security/matrix.test.ts",
  "test/bench/harness.test.ts",
  "test/web/account.test.ts",
  "test/web/admin.test.ts",
  "test/security/differential.test.ts",
  "test/e2e/browser.test.ts",
  "test/local-stack.test.ts",
  "test/security/fuzz.test.ts",
  "test/integration/account.test.ts",
  "test/security/faults.test.ts",
  "test/terraform/terraform-cli.test.ts",
  "test/integration/lambda-bundle.test.ts",
];

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const at = LONGEST.findIndex((name) => spec.moduleId.endsWith(name));
      return at === -1 ? LONGEST.length : at;
    };
    const sorted = await super.sort(files);
    return sorted
      .map((spec, index) => ({ spec, index }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.index - b.index)
      .map(({ spec }) => spec);
  }
}
