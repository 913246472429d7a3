import "reflect-metadata";
import { startFixture } from "./lib/fixture.js";
import type { Fixture, FixtureOptions } from "./lib/fixture.js";
import { SECTION_TITLES, machine } from "./lib/report.js";
import type { Machine, Row } from "./lib/report.js";
import { buildRig } from "./lib/rig.js";
import type { Rig } from "./lib/rig.js";
import { authzScenario } from "./scenarios/authz.js";
import { awsCallsScenario } from "./scenarios/aws-calls.js";
import { bytesScenario } from "./scenarios/bytes.js";
import { coldStartScenario } from "./scenarios/cold-start.js";
import { identityScenario } from "./scenarios/identity.js";
import { limitsScenario } from "./scenarios/limits.js";
import { scalingScenario } from "./scenarios/scaling.js";
import { soakScenario } from "./scenarios/soak.js";
import { throughputScenario } from "./scenarios/throughput.js";

export interface BenchOptions {
  /** Tiny sizes: timings are reported but not judged against budgets. */
  readonly tiny: boolean;
  /** Sections to run (1–8); all when empty. */
  readonly only: readonly number[];
  /** Measured rounds per comparison, after `warmupRounds`. */
  readonly rounds: number;
  readonly warmupRounds: number;
  /** Target length of one timed batch, ms. */
  readonly batchMs: number;
  /** Files per page (the "100-file page"). */
  readonly pageSize: number;
  /** The 1,000-row list: customers × files each. */
  readonly listCustomers: number;
  readonly listFiles: number;
  /** Folder sizes for section 3. */
  readonly smallFolder: number;
  readonly bigFolder: number;
  /** Customers in the pool for the customers page (section 2). */
  readonly customersPage: number;
  /** Bytes moved through presigned URLs in section 4. */
  readonly transferBytes: number;
  /** Seconds per throughput measurement (section 5), per round. */
  readonly throughputSeconds: number;
  readonly throughputRounds: number;
  readonly coldStartRounds: number;
  readonly soakSeconds: number;
  /** The stand-ins to use (see FixtureOptions.startStack); a local stack of the bench's own if not given. */
  readonly startStack?: FixtureOptions["startStack"];
  readonly log: (line: string) => void;
}

export const FULL: Omit<BenchOptions, "log" | "only" | "startStack"> = {
  tiny: false,
  rounds: 7,
  warmupRounds: 2,
  batchMs: 200,
  pageSize: 100,
  listCustomers: 100,
  listFiles: 10,
  smallFolder: 1000,
  bigFolder: 20_000,
  customersPage: 100,
  transferBytes: 1024 ** 3,
  throughputSeconds: 1,
  throughputRounds: 7,
  coldStartRounds: 5,
  soakSeconds: 60,
};

/** Tiny sizes: every code path, no meaningful timing (what `npm test` runs). */
export const TINY: Omit<BenchOptions, "log" | "only" | "startStack"> = {
  tiny: true,
  rounds: 1,
  warmupRounds: 0,
  batchMs: 5,
  pageSize: 100,
  listCustomers: 10,
  listFiles: 10,
  smallFolder: 120,
  bigFolder: 240,
  customersPage: 12,
  transferBytes: 4 * 1024 ** 2,
  throughputSeconds: 0.05,
  throughputRounds: 1,
  coldStartRounds: 1,
  // One half-second step of warm-up, then half a second measured.
  soakSeconds: 0.5,
};

export interface BenchReport {
  readonly machine: Machine;
  readonly options: Omit<BenchOptions, "log" | "startStack">;
  readonly seconds: number;
  readonly rows: Row[];
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const started = Date.now();
  const m = machine();
  const wants = (n: number) => o.only.length === 0 || o.only.includes(n);
  const rows: Row[] = [];
  let fixture: Fixture | undefined;
  let rig: Rig | undefined;
  try {
    o.log("starting the local stack and seeding");
    fixture = await startFixture({
      smallFolder: o.smallFolder,
      bigFolder: wants(3) ? o.bigFolder : 0,
      generalFiles: 10,
      extraCustomers: wants(2) ? Math.max(0, o.customersPage - 2) : 0,
      ...(o.startStack ? { startStack: o.startStack } : {}),
      log: o.log,
    });
    rig = await buildRig(fixture, {
      memoryCustomers: o.listCustomers,
      filesEach: o.listFiles,
      pageFiles: Math.max(o.pageSize + 20, o.smallFolder),
      bigFolder: wants(3) ? o.bigFolder : 0,
    });
    const cmp = { rounds: o.rounds, warmupRounds: o.warmupRounds, batchMs: o.batchMs };
    const step = async (n: number, run: () => Promise<Row[]>) => {
      if (!wants(n)) return;
      const t0 = Date.now();
      o.log(`${n}. ${SECTION_TITLES[n]}`);
      rows.push(...(await run()));
      o.log(`   (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    };
    const f = fixture;
    const r = rig;
    await step(1, () =>
      authzScenario(
        f,
        r,
        { ...cmp, pageSize: o.pageSize, listCustomers: o.listCustomers, listFiles: o.listFiles },
        o.log,
      ),
    );
    await step(2, () =>
      awsCallsScenario(f, r, { pageSize: o.pageSize, customersPage: o.customersPage }),
    );
    await step(3, () =>
      scalingScenario(
        f,
        r,
        { ...cmp, pageSize: o.pageSize, smallFolder: o.smallFolder, bigFolder: o.bigFolder },
        o.log,
      ),
    );
    await step(4, () => bytesScenario(f, { transferBytes: o.transferBytes }, o.log));
    await step(5, () =>
      throughputScenario(
        f,
        r,
        { seconds: o.throughputSeconds, rounds: o.throughputRounds, pageSize: o.pageSize },
        o.log,
      ),
    );
    await step(6, () => coldStartScenario(f, { rounds: o.coldStartRounds }, o.log));
    await step(7, () => soakScenario(f, { seconds: o.soakSeconds }, o.log));
    await step(8, async () => [
      ...(await identityScenario(f, cmp, o.log)),
      ...(await limitsScenario(f.app.schema, cmp, o.log)),
    ]);
  } finally {
    await rig?.stop();
    await fixture?.stop();
  }
  if (o.tiny)
    for (const [i, row] of rows.entries())
      if (row.timed && row.pass !== null)
        rows[i] = { ...row, pass: null, note: `${row.note ?? ""} (tiny run: timing not judged)` };
  const { log: _log, startStack: _startStack, ...options } = o;
  return { machine: m, options, seconds: Math.round((Date.now() - started) / 100) / 10, rows };
}
