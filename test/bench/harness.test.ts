import { describe, expect, it } from "vitest";
import { TINY, runBench } from "./harness.js";
import { renderTable } from "./lib/report.js";
import { BENCH_SETTINGS } from "./lib/fixture.js";
import { startTestStack } from "../helpers/stack.js";

// The benchmark at tiny sizes, so it never rots: every section runs once. Timings are not
// judged here (the machine is shared); counts and correctness are.
describe("benchmark harness (tiny sizes)", () => {
  it("runs every section and reports counts that meet their budgets", async () => {
    const report = await runBench({
      ...TINY,
      only: [],
      // A user pool and bucket of its own on the run's shared stand-ins.
      startStack: () => startTestStack({ corsOrigins: BENCH_SETTINGS.corsOrigins }),
      log: () => undefined,
    });
    const sections = new Set(report.rows.map((r) => r.section));
    expect([...sections].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const byName = (s: string) => report.rows.filter((r) => r.name.includes(s));
    // Deny by default on the measured schema, AWS call counts, zero soak errors: each present.
    const judged = [
      byName("deny by default"),
      report.rows.filter((r) => r.section === 2),
      byName("errors"),
    ];
    for (const group of judged) expect(group.length).toBeGreaterThan(0);
    for (const r of judged.flat())
      expect(r.pass, `${r.name}: ${r.note ?? ""} (${JSON.stringify(r)})`).toBe(true);
    // Timings are reported as numbers (not judged at these sizes).
    for (const r of report.rows.filter((r) => r.timed)) expect(r.pass).toBeNull();
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(renderTable(report.rows)).toContain("| 7 |");
  }, 120_000);
});
