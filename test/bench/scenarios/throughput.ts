import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Fixture } from "../lib/fixture.js";
import { gql, httpClient, load } from "../lib/http.js";
import type { LoadRequest } from "../lib/http.js";
import { FILE_PAGE, ME } from "../lib/queries.js";
import type { Row } from "../lib/report.js";
import type { Rig } from "../lib/rig.js";
import { median, round } from "../lib/stats.js";

/** A bare node:http endpoint answering a canned JSON body (after reading and parsing the request). */
async function bareJsonServer(
  reply: string,
): Promise<{ url: string; close(): void; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      res.statusCode = 200;
      res.setHeader("content-type", "application/json; charset=utf-8");
      res.end(reply);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/**
 * Section 5: requests per second with the load generator in a worker thread (its own core) and
 * the servers on the main thread: the full stack (token verification, viewer, permission layer)
 * against Apollo with the same HTTP layer and no auth or permissions, and a bare node:http JSON
 * endpoint. Rounds interleave the servers.
 */
export async function throughputScenario(
  f: Fixture,
  rig: Rig,
  o: { seconds: number; rounds: number; pageSize: number },
  log: (s: string) => void,
): Promise<Row[]> {
  const auth = { authorization: `Bearer ${f.small.token}` };
  const meReq: LoadRequest = { path: "/graphql", body: gql(ME), headers: auth };
  const pageReq: LoadRequest = {
    path: "/graphql",
    body: gql(FILE_PAGE, { first: o.pageSize }),
    headers: auth,
  };
  const probe = httpClient(f.url);
  const meReply = (await probe.post("/graphql", meReq.body, auth)).body;
  const pageReply = (await probe.post("/graphql", pageReq.body, auth)).body;
  probe.close();
  const closers: (() => unknown)[] = [];
  const serve = async (t: Parameters<Rig["serve"]>[0]) => {
    const s = await rig.serve(t);
    closers.push(() => s.close());
    return s.url;
  };
  const bareMe = await bareJsonServer(meReply);
  const barePage = await bareJsonServer(pageReply);
  closers.push(
    () => bareMe.close(),
    () => barePage.close(),
  );
  const groups: {
    label: string;
    req: LoadRequest;
    connections: number;
    servers: Record<string, string>;
    note: string;
  }[] = [
    {
      label: "`me`",
      req: meReq,
      connections: 16,
      servers: { full: f.url, apollo: await serve(rig.stack.without), bare: bareMe.url },
      note: "",
    },
    {
      label: `${o.pageSize}-file page, local stack (s3rver)`,
      req: pageReq,
      connections: 8,
      servers: { full: f.url, apollo: await serve(rig.stack.without), bare: barePage.url },
      note: "two ListObjectsV2 per request to s3rver (another process on the same two cores)",
    },
    {
      label: `${o.pageSize}-file page, in-memory S3`,
      req: pageReq,
      connections: 8,
      servers: {
        full: await serve(rig.memory.with),
        apollo: await serve(rig.memory.without),
        bare: barePage.url,
      },
      note: `${o.pageSize} presigned download URLs per request`,
    },
  ];
  const rows: Row[] = [];
  try {
    for (const g of groups) {
      const rps: Record<string, number[]> = { full: [], apollo: [], bare: [] };
      // Ratios within a round: the servers ran seconds apart, under the same outside load.
      const vsApollo: number[] = [];
      const vsBare: number[] = [];
      const errors: string[] = [];
      // Warm-up, then interleaved rounds.
      for (const url of Object.values(g.servers))
        await load(url, [g.req], {
          connections: g.connections,
          durationMs: Math.min(500, o.seconds * 500),
        });
      for (let r = 0; r < o.rounds; r++) {
        const order = r % 2 ? ["bare", "apollo", "full"] : ["full", "apollo", "bare"];
        for (const k of order) {
          const res = await load(g.servers[k] as string, [g.req], {
            connections: g.connections,
            durationMs: o.seconds * 1000,
          });
          if (res.errors) errors.push(`${k}: ${res.errors} errors, e.g. ${res.firstError}`);
          rps[k]?.push(res.perSecond);
        }
        const last = (k: string) => rps[k]?.at(-1) ?? NaN;
        vsApollo.push(last("full") / last("apollo"));
        vsBare.push(last("full") / last("bare"));
      }
      const m = Object.fromEntries(Object.entries(rps).map(([k, v]) => [k, median(v)])) as Record<
        string,
        number
      >;
      log(`  ${g.label}: ${JSON.stringify(m)} req/s`);
      const full = m["full"] ?? NaN;
      const apollo = m["apollo"] ?? NaN;
      const bare = m["bare"] ?? NaN;
      rows.push({
        section: 5,
        name: `${g.label}: full stack vs Apollo without auth or permissions`,
        value: round(median(vsApollo), 2),
        unit: "×",
        pass: errors.length ? false : null,
        timed: true,
        note:
          `${full.toFixed(0)} vs ${apollo.toFixed(0)} req/s (${g.connections} connections, ${o.rounds} × ${o.seconds} s)` +
          (g.note ? `; ${g.note}` : "") +
          (errors.length ? `; ERRORS: ${errors.join("; ")}` : ""),
      });
      rows.push({
        section: 5,
        name: `${g.label}: full stack vs bare node:http JSON endpoint`,
        value: round(median(vsBare), 3),
        unit: "×",
        pass: null,
        timed: true,
        note: `${full.toFixed(0)} vs ${bare.toFixed(0)} req/s (same reply body, canned)`,
      });
    }
  } finally {
    for (const c of closers) await c();
  }
  return rows;
}
