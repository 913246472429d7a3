import { createHash } from "node:crypto";
import { request } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Fixture } from "../lib/fixture.js";
import { memoryOf, resetPeak, startApiProcess } from "../lib/api-process.js";
import { gql, httpClient } from "../lib/http.js";
import type { Row } from "../lib/report.js";
import { round } from "../lib/stats.js";

const MiB = 1024 ** 2;

/** `size` bytes of a repeating pseudo-random pattern, 1 MiB at a time (never all in memory). */
function byteStream(size: number): Readable {
  const chunk = Buffer.alloc(MiB);
  let x = 2463534242;
  for (let i = 0; i < chunk.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    chunk.writeUInt32LE(x >>> 0, i);
  }
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk.length, size - sent);
      sent += n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

function send(
  method: "PUT" | "GET",
  url: string,
  headers: Record<string, string | number>,
  body: Readable | null,
  sink: (chunk: Buffer) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.on("data", sink);
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body) pipeline(body, req).catch(reject);
    else req.end();
  });
}

/**
 * Section 4: the API process (`node dist/main.js`, AWS mode against the stand-ins) hands out a
 * presigned PUT and GET; the bytes go straight to S3 and back. Its peak RSS (VmHWM, reset after
 * a warm-up) against its idle RSS.
 */
export async function bytesScenario(
  f: Fixture,
  o: { transferBytes: number },
  log: (s: string) => void,
): Promise<Row[]> {
  const api = await startApiProcess(f.stack, f.small.token);
  const client = httpClient(api.url);
  const auth = { authorization: `Bearer ${f.small.token}` };
  const call = async <T>(query: string, variables: Record<string, unknown>) => {
    const r = await client.post("/graphql", gql(query, variables), auth);
    const parsed = JSON.parse(r.body) as { data?: T; errors?: unknown };
    if (r.status !== 200 || parsed.errors || !parsed.data) throw new Error(r.body.slice(0, 500));
    return parsed.data;
  };
  const transfer = async (size: number, name: string) => {
    const { requestUpload: t } = await call<{
      requestUpload: { fileId: string; url: string; headers: { name: string; value: string }[] };
    }>(
      `mutation($i: RequestUploadInput!) { requestUpload(input: $i) { fileId url headers { name value } } }`,
      { i: { filename: name, contentType: "application/octet-stream", size } },
    );
    const up = createHash("sha256");
    const t0 = performance.now();
    const headers: Record<string, string | number> = { "content-length": size };
    for (const h of t.headers) headers[h.name] = h.value;
    const source = byteStream(size);
    source.on("data", (c: Buffer) => up.update(c));
    const putStatus = await send("PUT", t.url, headers, source, () => undefined);
    const putMs = performance.now() - t0;
    if (putStatus !== 200) throw new Error(`presigned PUT answered ${putStatus}`);
    const { file } = await call<{ file: { downloadUrl: string; size: number } | null }>(
      `query($id: ID!) { file(id: $id) { size downloadUrl } }`,
      { id: t.fileId },
    );
    if (!file || file.size !== size)
      throw new Error(`uploaded file not found at its size: ${JSON.stringify(file)}`);
    const down = createHash("sha256");
    let got = 0;
    const t1 = performance.now();
    const getStatus = await send("GET", file.downloadUrl, {}, null, (c) => {
      got += c.length;
      down.update(c);
    });
    const getMs = performance.now() - t1;
    const same = up.digest("hex") === down.digest("hex") && got === size;
    if (getStatus !== 200 || !same)
      throw new Error(`download: HTTP ${getStatus}, ${got} bytes, same bytes: ${same}`);
    return { putMs, getMs };
  };
  try {
    // Warm-up: the same requests with small files, so the idle figure includes their heap.
    for (let i = 0; i < 5; i++) await transfer(64 * 1024, `warm-${i}.bin`);
    await new Promise((r) => setTimeout(r, 500));
    const idle = await memoryOf(api.pid);
    await resetPeak(api.pid);
    let sampledMax = 0;
    const sampler = setInterval(() => {
      memoryOf(api.pid).then(
        (m) => (sampledMax = Math.max(sampledMax, m.rss)),
        () => undefined,
      );
    }, 100);
    let times: { putMs: number; getMs: number };
    try {
      times = await transfer(o.transferBytes, "large.bin");
    } finally {
      clearInterval(sampler);
    }
    const after = await memoryOf(api.pid);
    const peak = Math.max(after.peak, sampledMax);
    const ratio = peak / idle.rss;
    const mib = (b: number) => `${(b / MiB).toFixed(1)} MiB`;
    const size =
      o.transferBytes >= 1024 ** 3
        ? `${(o.transferBytes / 1024 ** 3).toFixed(2)} GiB`
        : mib(o.transferBytes);
    log(
      `  idle ${mib(idle.rss)}, peak ${mib(peak)}; PUT ${times.putMs.toFixed(0)} ms, GET ${times.getMs.toFixed(0)} ms`,
    );
    return [
      {
        section: 4,
        name: `API peak RSS while ${size} goes up and down through presigned URLs, vs idle`,
        value: round(ratio, 3),
        unit: "×",
        budget: "≤ 1.05×",
        pass: ratio <= 1.05,
        note:
          `idle ${mib(idle.rss)}, peak ${mib(peak)} (VmHWM); PUT ${(o.transferBytes / MiB / (times.putMs / 1000)).toFixed(0)} MiB/s, ` +
          `GET ${(o.transferBytes / MiB / (times.getMs / 1000)).toFixed(0)} MiB/s to s3rver; SHA-256 of the download matches`,
      },
    ];
  } finally {
    client.close();
    await api.stop();
  }
}
