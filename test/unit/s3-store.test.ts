import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { S3Store } from "../../src/aws/s3-store.js";
import { ServiceUnavailableError } from "../../src/errors.js";

/** A client whose `send` fails like S3 does; the local stand-in never answers 403 or 503. */
function failingClient(err: unknown): S3Client {
  return { send: () => Promise.reject(err) } as unknown as S3Client;
}
const s3Error = (name: string, status: number) =>
  Object.assign(new Error(`${name}: detail from AWS`), {
    name,
    $metadata: { httpStatusCode: status },
  });

describe("S3Store.head (SDK-level mock: S3 answers the local stand-in cannot give)", () => {
  it("treats 404 and 403 as missing: without an unconditional ListBucket grant S3 answers 403 for a missing key", async () => {
    expect(
      await new S3Store(failingClient(s3Error("NotFound", 404)), "b").head("general/x"),
    ).toBeNull();
    expect(
      await new S3Store(failingClient(s3Error("Forbidden", 403)), "b").head("general/x"),
    ).toBeNull();
  });

  it("turns throttling and 5xx into SERVICE_UNAVAILABLE", async () => {
    await expect(
      new S3Store(failingClient(s3Error("SlowDown", 503)), "b").head("general/x"),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(
      new S3Store(failingClient(s3Error("InternalError", 500)), "b").head("general/x"),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it("lets other errors through unchanged (they are masked for clients and logged)", async () => {
    const err = s3Error("InvalidRequest", 400);
    await expect(new S3Store(failingClient(err), "b").head("general/x")).rejects.toBe(err);
  });
});
