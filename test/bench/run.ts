import { writeFile } from "node:fs/promises";
import { FULL, TINY, runBench } from "./harness.js";
import type { BenchOptions } from "./harness.js";
import { renderMachine, renderTable } from "./lib/report.js";

const USAGE = `npm run bench -- [options]
  --json <path>          write the figures as JSON (default bench-results.json)
  --only 1,4             run only these sections (1 authorization … 7 soak, 8 identity)
  --soak-seconds <n>     soak length (default 60)
  --transfer-mib <n>     size of the file moved through presigned URLs (default 1024)
  --rounds <n>           measured rounds per comparison (default 7)
  --tiny                 tiny sizes, every path once (what npm test runs)`;

function parseArgs(argv: string[]): { options: BenchOptions; json: string } {
  const tiny = argv.includes("--tiny");
  let o: BenchOptions = {
    ...(tiny ? TINY : FULL),
    only: [],
    log: (l) => process.stderr.write(l + "\n"),
  };
  let json = "bench-results.json";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n\n${USAGE}`);
      return v;
    };
    const num = () => {
      const v = Number(next());
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a number\n\n${USAGE}`);
      return v;
    };
    switch (a) {
      case "--tiny":
        break;
      case "--json":
        json = next();
        break;
      case "--only":
        o = { ...o, only: next().split(",").map(Number) };
        break;
      case "--soak-seconds":
        o = { ...o, soakSeconds: num() };
        break;
      case "--transfer-mib":
        o = { ...o, transferBytes: Math.round(num() * 1024 ** 2) };
        break;
      case "--rounds":
        o = { ...o, rounds: Math.max(1, Math.round(num())) };
        break;
      case "--help":
      case "-h":
        process.stdout.write(USAGE + "\n");
        process.exit(0);
        break;
      default:
        throw new Error(`Unknown option ${a}\n\n${USAGE}`);
    }
  }
  return { options: o, json };
}

async function main() {
  const { options, json } = parseArgs(process.argv.slice(2));
  const report = await runBench(options);
  await writeFile(json, JSON.stringify(report, null, 2) + "\n");
  process.stdout.write(
    `\n${renderMachine(report.machine)} · ${report.seconds} s\n\n${renderTable(report.rows)}\n\nJSON: ${json}\n`,
  );
  const missed = report.rows.filter((r) => r.pass === false).length;
  if (missed) process.stdout.write(`${missed} budget(s) missed.\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
