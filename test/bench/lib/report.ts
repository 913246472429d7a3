import os from "node:os";

/** One figure of the benchmark. */
export interface Row {
  /** Section number of the issue (1 authorization … 7 soak). */
  readonly section: number;
  readonly name: string;
  /** The figure; null when it could not be measured (then `note` says why). */
  readonly value: number | null;
  readonly unit: string;
  /** Human-readable budget, e.g. "≤ 1.05×". */
  readonly budget?: string;
  /** Met (true), missed (false), or no budget / not measured (null). */
  readonly pass: boolean | null;
  /** A timing (judged only in full runs; a tiny run's timings mean nothing). */
  readonly timed?: boolean;
  /** Supporting figures and caveats. */
  readonly note?: string;
}

export interface Machine {
  readonly date: string;
  readonly node: string;
  readonly cores: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly platform: string;
  /** 1-minute load average when the run started (other work on the machine shows here). */
  readonly loadAverageAtStart: number;
}

export function machine(): Machine {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

export const SECTION_TITLES: Record<number, string> = {
  1: "Authorization overhead",
  2: "AWS calls per request",
  3: "Page latency vs folder size",
  4: "Bytes bypass the API",
  5: "Throughput",
  6: "Cold start",
  7: "Soak",
  8: "Identity: sign-in timing, validation cost",
};

function fmtValue(r: Row): string {
  if (r.value === null) return "not measured";
  const v =
    Number.isInteger(r.value) || Math.abs(r.value) >= 100 ? r.value.toFixed(0) : r.value.toFixed(2);
  return r.unit === "×" ? `${v}×` : `${v} ${r.unit}`.trim();
}

function verdict(r: Row): string {
  if (r.pass === null) return r.budget ? "–" : "";
  return r.pass ? "met" : "MISSED";
}

/** Markdown table of the rows, grouped by section. */
export function renderTable(rows: readonly Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const lines = ["| # | figure | value | budget | | notes |", "|---|---|---|---|---|---|"];
  for (const r of rows)
    lines.push(
      `| ${r.section} | ${esc(r.name)} | ${fmtValue(r)} | ${esc(r.budget ?? "")} | ${verdict(r)} | ${esc(r.note ?? "")} |`,
    );
  return lines.join("\n");
}

export function renderMachine(m: Machine): string {
  return `${m.date} · Node ${m.node} · ${m.cores} cores (${m.cpu}) · ${m.memoryGiB} GiB · ${m.platform} · load ${m.loadAverageAtStart} at start`;
}
