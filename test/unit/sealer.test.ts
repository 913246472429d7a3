import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Sealer } from "../../src/common/sealer.js";

const isAny = (p: unknown): p is Record<string, unknown> => typeof p === "object" && p !== null;

describe("Sealer: values the server hands out and must trust when they come back", () => {
  const sealer = new Sealer(Buffer.alloc(32, 5));

  it("opens what it sealed, for the same purpose only", () => {
    const v = sealer.seal("challenge", { u: "acme", s: "cognito-session" });
    expect(sealer.open("challenge", v, isAny)).toEqual({ u: "acme", s: "cognito-session" });
    expect(sealer.open("refresh", v, isAny)).toBeNull();
    expect(sealer.open("challenge", v, (_p): _p is never => false)).toBeNull();
    // Nothing of the payload is readable.
    expect(Buffer.from(v, "base64url").toString("latin1")).not.toContain("acme");
  });

  it("any edit, or another secret, opens as nothing", () => {
    const v = sealer.seal("link", { u: "acme" });
    const other = new Sealer(Buffer.alloc(32, 6));
    expect(other.open("link", v, isAny)).toBeNull();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: v.length - 1 }),
        fc.constantFrom("A", "z", "-", "_"),
        (at, c) => {
          const edited = v.slice(0, at) + c + v.slice(at + 1);
          return edited === v || sealer.open("link", edited, isAny) === null;
        },
      ),
      { numRuns: 300 },
    );
    for (const junk of ["", "!!", "a".repeat(9000), v + "="])
      expect(sealer.open("link", junk, isAny)).toBeNull();
  });

  it("expires: a sealed value with a lifetime opens until then, and never after", () => {
    let now = 1_800_000_000_000;
    const timed = new Sealer(Buffer.alloc(32, 5), () => now);
    const v = timed.seal("challenge", { u: "acme" }, 180);
    now += 179_000;
    expect(timed.open("challenge", v, isAny)).not.toBeNull();
    now += 1_000;
    expect(timed.open("challenge", v, isAny)).toBeNull();
  });

  it("MACs verify only the exact data, in constant time", () => {
    const mac = sealer.sign("cursor", "abc");
    expect(mac).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(sealer.verify("cursor", "abc", mac)).toBe(true);
    expect(sealer.verify("cursor", "abd", mac)).toBe(false);
    expect(sealer.verify("file-id", "abc", mac)).toBe(false);
    expect(sealer.verify("cursor", "abc", mac.slice(1))).toBe(false);
  });

  it("refuses a secret shorter than 32 bytes", () => {
    expect(() => new Sealer(Buffer.alloc(31))).toThrow(RangeError);
  });
});
