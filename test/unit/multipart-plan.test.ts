import { Sealer } from "../../src/common/sealer.js";
import { TEST_SEALER } from "../helpers/secrets.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "../../src/config.js";
import {
  MAX_PARTS,
  MAX_PART_BYTES,
  MIB,
  MIN_PART_BYTES,
  openUploadHandle,
  sealUploadHandle,
  partLength,
  planParts,
} from "../../src/files/multipart.service.js";

const TIB = 1024 ** 4;

describe("multipart part plan: >= 5 MiB parts, <= 10,000 parts, <= 5 TiB", () => {
  it("uses 5 MiB parts while they fit in 10,000 parts", () => {
    expect(planParts(1)).toEqual({ partSize: 5 * MIB, partCount: 1 });
    expect(planParts(5 * MIB)).toEqual({ partSize: 5 * MIB, partCount: 1 });
    expect(planParts(5 * MIB + 1)).toEqual({ partSize: 5 * MIB, partCount: 2 });
    expect(planParts(50 * MIB)).toEqual({ partSize: 5 * MIB, partCount: 10 });
    expect(planParts(MAX_PARTS * 5 * MIB)).toEqual({ partSize: 5 * MIB, partCount: 10_000 });
  });

  it("grows the part size by whole MiB above 50,000 MiB", () => {
    expect(planParts(MAX_PARTS * 5 * MIB + 1)).toEqual({ partSize: 6 * MIB, partCount: 8334 });
    expect(planParts(5 * TIB)).toEqual({ partSize: 525 * MIB, partCount: 9987 });
  });

  it("holds the S3 limits for any size up to 5 TiB", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 * TIB }), (size) => {
        const plan = planParts(size);
        expect(plan.partSize).toBeGreaterThanOrEqual(MIN_PART_BYTES);
        expect(plan.partSize).toBeLessThanOrEqual(MAX_PART_BYTES);
        expect(plan.partSize % MIB).toBe(0);
        expect(plan.partCount).toBeGreaterThanOrEqual(1);
        expect(plan.partCount).toBeLessThanOrEqual(MAX_PARTS);
        const last = partLength(size, plan, plan.partCount);
        expect(last).toBeGreaterThan(0);
        expect(last).toBeLessThanOrEqual(plan.partSize);
        expect(plan.partSize * (plan.partCount - 1) + last).toBe(size);
        if (plan.partCount > 1) expect(partLength(size, plan, 1)).toBe(plan.partSize);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses sizes S3 cannot store as one object", () => {
    for (const size of [0, -1, 1.5, 5 * TIB + 1, Number.NaN])
      expect(() => planParts(size)).toThrow(RangeError);
  });
});

describe("multipart upload handle (sealed with the server secret)", () => {
  const handle = {
    k: "customers/acme/0000000000001-abcdef01/big.bin",
    s: 52_428_800,
    u: "VXBs.x_y",
    e: 1_900_000_000_000,
  };

  it("round-trips what the steps rely on, and reads as nothing to the client", () => {
    const sealed = sealUploadHandle(TEST_SEALER, handle);
    expect(sealed.startsWith("m2.")).toBe(true);
    expect(sealed).not.toContain("52428800");
    expect(openUploadHandle(TEST_SEALER, sealed)).toEqual(handle);
  });

  it("any edit, another server's secret, or another purpose's value opens as nothing", () => {
    const sealed = sealUploadHandle(TEST_SEALER, handle);
    const other = new Sealer(Buffer.alloc(32, 9));
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: sealed.length - 1 }),
        fc.constantFrom("A", "B", "-", "_"),
        (at, c) => {
          const edited = sealed.slice(0, at) + c + sealed.slice(at + 1);
          return edited === sealed || openUploadHandle(TEST_SEALER, edited) === null;
        },
      ),
      { numRuns: 500 },
    );
    expect(openUploadHandle(other, sealed)).toBeNull();
    expect(openUploadHandle(TEST_SEALER, `m2.${TEST_SEALER.seal("cursor", handle)}`)).toBeNull();
    for (const h of ["", "abc", "m1.52428800.VXBs", "m2.", `m2.${"A".repeat(64)}`])
      expect(openUploadHandle(TEST_SEALER, h)).toBeNull();
  });
});

describe("multipart configuration", () => {
  it("defaults to S3's 5 TiB and a 7-day window", () => {
    const c = readConfig({}, "/srv/app");
    expect(c.multipartMaxBytes).toBe(5 * TIB);
    expect(c.multipartWindowSeconds).toBe(7 * 24 * 3600);
    const set = readConfig(
      { MULTIPART_MAX_BYTES: String(100 * 1024 ** 3), MULTIPART_WINDOW_SECONDS: "86400" },
      "/srv/app",
    );
    expect(set.multipartMaxBytes).toBe(100 * 1024 ** 3);
    expect(set.multipartWindowSeconds).toBe(86400);
  });

  it("refuses values beyond S3's limits, naming the key", () => {
    for (const env of [
      { MULTIPART_MAX_BYTES: String(5 * TIB + 1) },
      { MULTIPART_MAX_BYTES: "0" },
      { MULTIPART_WINDOW_SECONDS: "60" },
      { MULTIPART_WINDOW_SECONDS: "1.5" },
    ]) {
      const key = Object.keys(env)[0] as string;
      expect(() => readConfig(env, "/srv/app")).toThrow(ConfigError);
      expect(() => readConfig(env, "/srv/app")).toThrow(new RegExp(key));
    }
  });
});
