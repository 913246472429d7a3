import { S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { S3Store } from "../../src/aws/s3-store.js";
import { contentDisposition } from "../../src/files/keys.js";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const clients = {
  "path-style endpoint (local stand-in)": new S3Client({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:4569",
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  }),
  "AWS virtual-hosted": new S3Client({
    region: "eu-west-1",
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  }),
};
const KEYS = [
  "customers/acme/9998263034999-0a1b2c3d/report.pdf",
  "general/9998263034999-0a1b2c3d/Jahresbericht für 2025 (final).pdf",
  "customers/acme/9998263034999-0a1b2c3d/a+b=c&d;e,f@g$h!i'j(k)l*m~n%20o#p?q.txt",
  "general/x/日本語 ファイル.txt",
  "general/x/emoji 🎉 and   spaces.bin",
];

describe("presigned GET URLs: the fast path signs exactly what getSignedUrl signs", () => {
  afterEach(() => vi.useRealTimers());

  for (const [name, client] of Object.entries(clients)) {
    it(name, async () => {
      const store = new S3Store(client, "portal-bucket");
      vi.useFakeTimers();
      vi.setSystemTime(new Date("2026-11-24T12:00:00Z"));
      for (const key of KEYS) {
        const cd = contentDisposition(key.split("/").pop() ?? "");
        const fast = await store.presignGet(key, cd, 300);
        const sdk = await store.presignGetWithSdk(key, cd, 300);
        expect(fast).toBe(sdk);
      }
      // A later call at another time signs with that time.
      vi.setSystemTime(new Date("2026-11-24T12:05:00Z"));
      const key = KEYS[0] as string;
      expect(await store.presignGet(key, "attachment", 60)).toBe(
        await store.presignGetWithSdk(key, "attachment", 60),
      );
    });
  }
});
