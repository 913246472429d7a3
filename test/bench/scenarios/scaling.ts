import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createLocalS3Client } from "../../../src/local/stack.js";
import type { Fixture } from "../lib/fixture.js";
import { gql, httpClient } from "../lib/http.js";
import { FILE_PAGE } from "../lib/queries.js";
import type { Row } from "../lib/report.js";
import type { Rig } from "../lib/rig.js";
import { compare, round } from "../lib/stats.js";
import type { CompareOptions } from "../lib/stats.js";
import { fmtUs } from "./authz.js";

/**
 * Section 3: the customer's 100-file page with 1,000 and with 20,000 files in their folder,
 * over HTTP against the local stack; and the emulator's own ListObjectsV2 of 100 keys from each
 * folder, measured the same way, so its share can be taken out.
 */
export async function scalingScenario(
  f: Fixture,
  rig: Rig,
  o: CompareOptions & { pageSize: number; smallFolder: number; bigFolder: number },
  log: (s: string) => void,
): Promise<Row[]> {
  const client = httpClient(f.url);
  const s3 = createLocalS3Client(f.stack);
  const body = gql(FILE_PAGE, { first: o.pageSize });
  const page = (token: string) => async () => {
    const r = await client.post("/graphql", body, { authorization: `Bearer ${token}` });
    if (r.status !== 200 || r.body.includes('"errors"')) throw new Error(r.body.slice(0, 300));
  };
  const list = (id: string) => async () => {
    await s3.send(
      new ListObjectsV2Command({
        Bucket: f.stack.s3.bucket,
        Prefix: `customers/${id}/`,
        MaxKeys: o.pageSize,
      }),
    );
  };
  try {
    const opts = { ...o, batchMs: o.batchMs * 2 };
    const api = await compare(
      [
        { name: "small", run: page(f.small.token) },
        { name: "big", run: page(f.big.token) },
      ],
      opts,
    );
    const emu = await compare(
      [
        { name: "small", run: list(f.small.id) },
        { name: "big", run: list(f.big.id) },
      ],
      opts,
    );
    // The API alone, S3 in memory (a sorted index, as S3 itself keeps): no emulator in the way.
    const mem = (token: string) => {
      const authorization = `Bearer ${token}`;
      const request = { query: FILE_PAGE, variables: { first: o.pageSize } };
      return async () => {
        const contextValue = await rig.memory.with.context({ authorization });
        const res = await rig.memory.with.apollo.executeOperation(request, { contextValue });
        if (res.body.kind !== "single" || res.body.singleResult.errors) throw new Error("errors");
      };
    };
    const inMemory = await compare(
      [
        { name: "small", run: mem(f.small.token) },
        { name: "big", run: mem(f.big.token) },
      ],
      o,
    );
    log(
      `  page ${JSON.stringify(api.us)}; emulator list ${JSON.stringify(emu.us)}; in memory ${JSON.stringify(inMemory.us)}`,
    );
    const memRatio = inMemory.ratio["big"] ?? NaN;
    const [ps, pb, es, eb] = [api.us["small"], api.us["big"], emu.us["small"], emu.us["big"]].map(
      (x) => x ?? NaN,
    ) as [number, number, number, number];
    const own = (pb - eb) / (ps - es);
    const sizes = `${o.bigFolder.toLocaleString("en")} vs ${o.smallFolder.toLocaleString("en")} files`;
    return [
      {
        section: 3,
        name: `${o.pageSize}-file page, ${sizes} in the folder (in-process, S3 in memory)`,
        value: round(memRatio, 2),
        unit: "×",
        budget: "≤ 1.10× (near 1)",
        pass: memRatio <= 1.1,
        timed: true,
        note: `${fmtUs(inMemory.us["small"] ?? NaN)} → ${fmtUs(inMemory.us["big"] ?? NaN)}: the API's own cost, the token path and permission layer included`,
      },
      {
        section: 3,
        name: `${o.pageSize}-file page, ${sizes} in the folder (HTTP, local stack)`,
        value: round(api.ratio["big"] ?? NaN, 2),
        unit: "×",
        pass: null,
        timed: true,
        note: `${fmtUs(ps)} → ${fmtUs(pb)}, the emulator's listing included`,
      },
      {
        section: 3,
        name: `the emulator alone: ListObjectsV2 of ${o.pageSize} keys, ${sizes}`,
        value: round(emu.ratio["big"] ?? NaN, 2),
        unit: "×",
        pass: null,
        timed: true,
        note: `${fmtUs(es)} → ${fmtUs(eb)}: s3rver walks the folder on disk (S3 itself reads an index)`,
      },
      {
        section: 3,
        name: `the API's own time (page minus the emulator's listing), ${sizes}`,
        value: round(own, 2),
        unit: "×",
        pass: null,
        timed: true,
        note: `${fmtUs(ps - es)} → ${fmtUs(pb - eb)}; rough: s3rver's longer walk also takes CPU from the API on two cores, so the in-memory row is the API's own figure`,
      },
    ];
  } finally {
    client.close();
    s3.destroy();
  }
}
