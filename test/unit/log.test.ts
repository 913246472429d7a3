import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";

describe("logger", () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    return { lines, sink: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) };
  };

  it("writes base, child and call fields on one line, later ones winning, secrets redacted", () => {
    const { lines, sink } = capture();
    const log = createLogger("info", { service: "api" }, sink);
    const child = log.child({ requestId: "r1", actor: "admin:a", token: "secret" });
    const grandchild = child.child({ actor: "customer:c" });
    grandchild.info("hello", { password: "p", n: 1 });
    log.debug("dropped");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      msg: "hello",
      service: "api",
      requestId: "r1",
      actor: "customer:c",
      token: "[redacted]",
      password: "[redacted]",
      n: 1,
    });
    expect(typeof lines[0]?.time).toBe("string");
  });

  it("keeps a child's fields as they were when it was made", () => {
    const { lines, sink } = capture();
    const fields: Record<string, unknown> = { requestId: "r1" };
    const child = createLogger("info", {}, sink).child(fields);
    fields.requestId = "changed";
    child.warn("w");
    expect(lines[0]?.requestId).toBe("r1");
  });

  it("serialises errors given as err", () => {
    const { lines, sink } = capture();
    createLogger("error", {}, sink).error("boom", { err: new Error("bad") });
    expect(lines[0]?.err).toMatchObject({ name: "Error", message: "bad" });
  });
});
