import type { Fixture } from "../lib/fixture.js";
import { dataOf } from "../lib/fixture.js";
import { memoryOf, startApiProcess } from "../lib/api-process.js";
import { gql, load } from "../lib/http.js";
import type { LoadRequest } from "../lib/http.js";
import {
  CUSTOMERS_PAGE,
  FILE_PAGE,
  FILE_PAGE_CONTENT_TYPE,
  FILE_PAGE_WITH_HEAD,
  ME,
} from "../lib/queries.js";
import type { Row } from "../lib/report.js";
import { round } from "../lib/stats.js";

/**
 * Section 7: mixed admin and customer traffic against the API process (`node dist/main.js`) on
 * loopback for `seconds`; errors counted by the load generator (non-200 or an `errors` entry)
 * and in the API's own error log lines; RSS after a warm-up against RSS at the end.
 */
export async function soakScenario(
  f: Fixture,
  o: { seconds: number },
  log: (s: string) => void,
): Promise<Row[]> {
  const api = await startApiProcess(f.stack, f.adminToken);
  try {
    const first = dataOf<{ files: { edges: { node: { id: string } }[] } }>(
      await f.exec(FILE_PAGE, { first: 1 }, f.small.token),
    );
    const fileId = first.files.edges[0]?.node.id;
    const admin = { authorization: `Bearer ${f.adminToken}` };
    const customer = { authorization: `Bearer ${f.small.token}` };
    const req = (body: string, headers: Record<string, string>): LoadRequest => ({
      path: "/graphql",
      body,
      headers,
    });
    const upload = (customerId?: string) =>
      gql(`mutation($i: RequestUploadInput!) { requestUpload(input: $i) { fileId url } }`, {
        i: {
          filename: "soak.pdf",
          contentType: "application/pdf",
          size: 1234,
          ...(customerId ? { customerId } : {}),
        },
      });
    const mix: LoadRequest[] = [
      req(gql(ME), customer),
      req(gql(FILE_PAGE, { first: 100 }), customer),
      req(gql(ME), admin),
      req(gql(FILE_PAGE_CONTENT_TYPE, { first: 20 }), customer),
      req(gql(CUSTOMERS_PAGE, { first: 50 }), admin),
      req(upload(), customer),
      req(gql(FILE_PAGE_WITH_HEAD, { first: 20, customerId: f.small.id }), admin),
      req(gql(`{ me { id customer { id name status } } }`), customer),
      req(
        gql(`query($id: ID!) { file(id: $id) { id name size downloadUrl } }`, { id: fileId }),
        customer,
      ),
      req(upload(f.small.id), admin),
      req(gql(FILE_PAGE, { first: 50 }), admin),
    ];
    // Warm-up until the heap has found its working size (RSS within 3% over one 5 s step, at
    // most 45 s): V8 grows its heap for a while under a new load, and that is not a leak. A
    // leak keeps growing during the measured window that follows.
    const boot = await memoryOf(api.pid);
    const step = Math.max(0.5, Math.min(5, o.seconds / 4));
    let warm = 0;
    let prev = boot.rss;
    for (;;) {
      await load(api.url, mix, { connections: 8, durationMs: step * 1000 });
      warm += step;
      const now = (await memoryOf(api.pid)).rss;
      if (Math.abs(now / prev - 1) < 0.03 || warm >= Math.max(step, Math.min(45, o.seconds * 0.75)))
        break;
      prev = now;
    }
    const start = await memoryOf(api.pid);
    let max = start.rss;
    const samples: number[] = [];
    const sampler = setInterval(() => {
      memoryOf(api.pid).then(
        (m) => {
          max = Math.max(max, m.rss);
          samples.push(m.rss);
        },
        () => undefined,
      );
    }, 500);
    let res;
    try {
      res = await load(api.url, mix, { connections: 8, durationMs: o.seconds * 1000 });
    } finally {
      clearInterval(sampler);
    }
    const end = await memoryOf(api.pid);
    const growth = end.rss / start.rss - 1;
    const quarters = [0.25, 0.5, 0.75].map((q) => samples[Math.floor(samples.length * q)] ?? NaN);
    const errorLines = api.errorLines();
    const mib = (b: number) => `${(b / 1024 ** 2).toFixed(1)} MiB`;
    log(
      `  ${res.requests} requests, ${res.errors} errors, RSS ${mib(start.rss)} → ${mib(end.rss)} (max ${mib(max)})`,
    );
    return [
      {
        section: 7,
        name: `soak ${o.seconds} s, mixed admin + customer traffic: errors`,
        value: res.errors + errorLines.length,
        unit: "errors",
        budget: "0",
        pass: res.errors === 0 && errorLines.length === 0,
        note:
          `${res.requests} requests (${res.perSecond.toFixed(0)}/s, 8 connections, ${mix.length} kinds)` +
          (res.firstError ? `; first: ${res.firstError.slice(0, 200)}` : "") +
          (errorLines.length ? `; API error lines: ${errorLines[0]?.slice(0, 200)}` : ""),
      },
      {
        section: 7,
        name: `soak ${o.seconds} s: RSS growth after warm-up`,
        value: round(growth * 100, 1),
        unit: "%",
        budget: "< 10%",
        pass: growth < 0.1,
        timed: true,
        note: `${mib(boot.rss)} idle, ${mib(start.rss)} after ${warm} s warm-up → ${[...quarters, end.rss].map(mib).join(" → ")} by quarter (max ${mib(max)})`,
      },
    ];
  } finally {
    await api.stop();
  }
}
