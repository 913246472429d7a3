import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createHttpHandler } from "../../src/http/server.js";

describe("http/server: a failure while writing the answer", () => {
  it("ends that connection and leaves no unhandled rejection behind", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const server = createServer(
      createHttpHandler(async () => ({
        status: 200,
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: (async function* () {
          yield "first part, ";
          throw new Error("the body's source failed mid-way");
        })(),
      })),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const outcome = await fetch(`http://127.0.0.1:${port}/`)
        .then((res) => res.text())
        .then(
          () => "completed",
          () => "connection ended",
        );
      expect(outcome).toBe("connection ended");
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
