import { createRequire } from "node:module";
import path from "node:path";
import type { LocalStack } from "../../src/local/stack.js";

/** The parts of s3rver 3.7 used here: its filesystem store and its object model. */
interface S3rverStore {
  putObject(object: unknown): Promise<{ size: number; md5: string }>;
}
const s3rverRequire = createRequire(require.resolve("s3rver/package.json"));
const FilesystemStore = s3rverRequire("./lib/stores/filesystem.js") as new (
  rootDirectory: string,
) => S3rverStore;
const S3Object = s3rverRequire("./lib/models/object.js") as new (
  bucket: string,
  key: string,
  content: Buffer,
  metadata: Record<string, string>,
) => unknown;

export interface DiskObject {
  readonly key: string;
  readonly body: string | Buffer;
  /** As a PutObject's Content-Type (s3rver's default when absent: binary/octet-stream). */
  readonly contentType?: string;
  /** User metadata, as PutObject's Metadata (stored as x-amz-meta-*). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Puts objects into the local stack's S3 stand-in through s3rver's own filesystem store, the
 * code its PutObject handler ends in (object, .md5 and metadata files in its data folder), without
 * an HTTP request, a signature and a parse per object: for folders of thousands of objects, which
 * cost seconds of CPU per thousand through PutObject (in s3rver and in the SDK). The store is the
 * stand-in's on disk, so the objects are then listed, read and deleted through the S3 API like any.
 */
export async function putObjectsOnDisk(
  stack: Pick<LocalStack, "dataDir" | "s3">,
  objects: readonly DiskObject[],
  concurrency = 32,
): Promise<void> {
  const store = new FilesystemStore(path.join(stack.dataDir, "s3"));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < objects.length; i = next++) {
      const o = objects[i]!;
      const metadata: Record<string, string> = {};
      if (o.contentType) metadata["content-type"] = o.contentType;
      for (const [k, v] of Object.entries(o.metadata ?? {}))
        metadata[`x-amz-meta-${k.toLowerCase()}`] = v;
      const body = typeof o.body === "string" ? Buffer.from(o.body) : o.body;
      await store.putObject(new S3Object(stack.s3.bucket, o.key, body, metadata));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
