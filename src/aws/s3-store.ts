import type { S3Client } from "@aws-sdk/client-s3";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { rethrowAws } from "./errors.js";

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

export interface ObjectHead {
  readonly contentType: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly size: number;
  readonly lastModified: Date;
}

export interface PresignPutInput {
  readonly key: string;
  readonly contentType: string;
  readonly contentLength: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly checksumSha256?: string;
  readonly expiresIn: number;
}

/** The headers a presigned PUT requires, exactly as signed (host and content-length aside). */
export interface PresignedPut {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** One bucket. Every method is one S3 request, or none (presigning is local). */
export class S3Store {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async list(
    prefix: string,
    startAfter: string | undefined,
    maxKeys: number,
  ): Promise<{ objects: ListedObject[]; truncated: boolean }> {
    try {
      const r = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: maxKeys,
          ...(startAfter ? { StartAfter: startAfter } : {}),
        }),
      );
      const objects = (r.Contents ?? [])
        .filter((o) => o.Key !== undefined && o.Key.startsWith(prefix))
        .map((o) => ({
          key: o.Key as string,
          size: o.Size ?? 0,
          lastModified: o.LastModified ?? new Date(0),
        }));
      return { objects, truncated: r.IsTruncated === true };
    } catch (err) {
      rethrowAws(err);
    }
  }

  /** Metadata of one object, or null when it does not exist. */
  async head(key: string): Promise<ObjectHead | null> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        contentType: r.ContentType ?? null,
        metadata: r.Metadata ?? {},
        size: r.ContentLength ?? 0,
        lastModified: r.LastModified ?? new Date(0),
      };
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404)
        return null;
      rethrowAws(err);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      rethrowAws(err);
    }
  }

  /**
   * A presigned PUT that signs the content length, the content type, the metadata and (when
   * given) the SHA-256 checksum: S3 refuses a request whose headers or body differ. The headers
   * are kept as headers (not hoisted into the query string) so they are both signed and required.
   */
  async presignPut(input: PresignPutInput): Promise<PresignedPut> {
    const headers: Record<string, string> = { "content-type": input.contentType };
    for (const [k, v] of Object.entries(input.metadata)) headers[`x-amz-meta-${k}`] = v;
    if (input.checksumSha256) headers["x-amz-checksum-sha256"] = input.checksumSha256;
    const url = await getSignedUrl(
      this.client,
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: input.key,
        ContentType: input.contentType,
        ContentLength: input.contentLength,
        Metadata: { ...input.metadata },
        ...(input.checksumSha256 ? { ChecksumSHA256: input.checksumSha256 } : {}),
      }),
      {
        expiresIn: input.expiresIn,
        signableHeaders: new Set(["content-type", "content-length", ...Object.keys(headers)]),
        unhoistableHeaders: new Set(Object.keys(headers).filter((h) => h.startsWith("x-amz-"))),
      },
    );
    return { url, headers };
  }

  /** A presigned GET that downloads under `contentDisposition`. */
  presignGet(key: string, contentDisposition: string, expiresIn: number): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: contentDisposition,
      }),
      { expiresIn },
    );
  }
}
