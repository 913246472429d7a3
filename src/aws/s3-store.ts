import type { S3Client } from "@aws-sdk/client-s3";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { S3RequestPresigner, getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { awsErrorName, rethrowAws } from "./errors.js";

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

export interface CreateMultipartInput {
  readonly key: string;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface PresignPartInput {
  readonly key: string;
  readonly uploadId: string;
  readonly partNumber: number;
  readonly contentLength: number;
  readonly expiresIn: number;
}

export interface StoredPart {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date | null;
}

/** S3 answers at most 1,000 parts per ListParts page; an upload has at most 10,000 parts. */
const LIST_PARTS_PAGE = 1000;
const MAX_PARTS = 10_000;

/**
 * S3's answers about an upload's state or its parts: the caller's to interpret, even when S3 sends
 * them in a 200 response (which the SDK turns into a 503 carrying the error's name).
 */
const MULTIPART_CLIENT_ERRORS = new Set([
  "NoSuchUpload",
  "InvalidPart",
  "InvalidPartOrder",
  "EntityTooSmall",
]);

function rethrowMultipart(err: unknown): never {
  const name = awsErrorName(err);
  if (name !== undefined && MULTIPART_CLIENT_ERRORS.has(name)) throw err;
  rethrowAws(err);
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
      const response = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: maxKeys,
          ...(startAfter ? { StartAfter: startAfter } : {}),
        }),
      );
      const objects = (response.Contents ?? [])
        .filter((object) => object.Key !== undefined && object.Key.startsWith(prefix))
        .map((object) => ({
          key: object.Key as string,
          size: object.Size ?? 0,
          lastModified: object.LastModified ?? new Date(0),
        }));
      return { objects, truncated: response.IsTruncated === true };
    } catch (err) {
      rethrowAws(err);
    }
  }

  /** Does at least one object live under `prefix`? (One ListObjectsV2 of one key.) */
  async holdsObjects(prefix: string): Promise<boolean> {
    return (await this.list(prefix, undefined, 1)).objects.length > 0;
  }

  /** Metadata of one object, or null when it does not exist. */
  async head(key: string): Promise<ObjectHead | null> {
    try {
      const response = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      return {
        contentType: response.ContentType ?? null,
        metadata: response.Metadata ?? {},
        size: response.ContentLength ?? 0,
        lastModified: response.LastModified ?? new Date(0),
      };
    } catch (err) {
      const error = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      const status = error.$metadata?.httpStatusCode;
      // S3 answers a missing key with 403 instead of 404 unless the caller may list the bucket
      // unconditionally; the API's role may list only its two prefixes (terraform/iam.tf), and the
      // keys asked for here are always inside them. So 403 on HEAD means "not there".
      if (
        error.name === "NotFound" ||
        error.name === "NoSuchKey" ||
        status === 404 ||
        status === 403
      )
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
    for (const [name, value] of Object.entries(input.metadata))
      headers[`x-amz-meta-${name}`] = value;
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

  /**
   * A presigned GET that downloads under `contentDisposition`.
   *
   * A file page signs one per file. `getSignedUrl` rebuilds the command's middleware stack and
   * re-runs the endpoint rules on every call, most of a file page's time (see docs/performance.md);
   * what differs between two GETs of this bucket is only the key, the disposition and the time.
   * So the SDK presigns once (the first call) and that URL gives the endpoint, the path before the
   * key, the fixed query and the signing region; later calls sign a request built from it with
   * the SDK's own presigner. Tests require URLs identical to `getSignedUrl`'s.
   */
  async presignGet(key: string, contentDisposition: string, expiresIn: number): Promise<string> {
    const template = await (this.getTemplate ??= learnGetTemplate(this.client, this.bucket).catch(
      () => null,
    ));
    if (!template) return this.presignGetWithSdk(key, contentDisposition, expiresIn);
    const query: Record<string, string> = {};
    for (const [name, value] of template.query)
      query[name] = name === RCD ? contentDisposition : value;
    const signed = await template.presigner.presign(
      {
        method: "GET",
        protocol: template.protocol,
        hostname: template.hostname,
        ...(template.port !== undefined ? { port: template.port } : {}),
        path: `${template.prefix}/${key.split("/").map(escapeUri).join("/")}`,
        query,
        headers: { host: template.host },
      } as Parameters<S3RequestPresigner["presign"]>[0],
      { expiresIn, signingRegion: template.region, signingService: template.service },
    );
    return formatUrl(signed);
  }

  /** The SDK's own way, one full command per URL (the reference the fast path is tested against). */
  presignGetWithSdk(key: string, contentDisposition: string, expiresIn: number): Promise<string> {
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

  private getTemplate: Promise<GetTemplate | null> | undefined;
  /**
   * Starts a multipart upload. Content type and metadata are fixed here, on the server: the
   * part requests carry bytes only.
   */
  async createMultipartUpload(input: CreateMultipartInput): Promise<string> {
    try {
      const response = await this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: input.key,
          ContentType: input.contentType,
          Metadata: { ...input.metadata },
        }),
      );
      if (!response.UploadId) throw new Error("CreateMultipartUpload answered without an UploadId");
      return response.UploadId;
    } catch (err) {
      rethrowAws(err);
    }
  }

  /**
   * A presigned UploadPart: key, upload id and part number are in the signed query string and
   * the part's exact length is a signed header, so S3 refuses any other part, upload or length.
   */
  presignUploadPart(input: PresignPartInput): Promise<string> {
    return getSignedUrl(
      this.client,
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: input.key,
        UploadId: input.uploadId,
        PartNumber: input.partNumber,
        ContentLength: input.contentLength,
      }),
      { expiresIn: input.expiresIn, signableHeaders: new Set(["content-length"]) },
    );
  }

  /** Assembles the parts (ascending part numbers). S3 errors other than outages pass through. */
  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: readonly { partNumber: number; etag: string }[],
  ): Promise<void> {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
          },
        }),
      );
    } catch (err) {
      rethrowMultipart(err);
    }
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
      );
    } catch (err) {
      rethrowMultipart(err);
    }
  }

  /** Every part stored so far, ascending (one ListParts call per 1,000 parts). */
  async listParts(key: string, uploadId: string): Promise<StoredPart[]> {
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    try {
      for (let page = 0; page < MAX_PARTS / LIST_PARTS_PAGE; page++) {
        const response = await this.client.send(
          new ListPartsCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            MaxParts: LIST_PARTS_PAGE,
            ...(marker ? { PartNumberMarker: marker } : {}),
          }),
        );
        for (const part of response.Parts ?? []) {
          if (part.PartNumber === undefined || part.ETag === undefined) continue;
          parts.push({
            partNumber: part.PartNumber,
            size: part.Size ?? 0,
            etag: part.ETag,
            lastModified: part.LastModified ?? null,
          });
        }
        if (response.IsTruncated !== true || !response.NextPartNumberMarker) break;
        marker = response.NextPartNumberMarker;
      }
    } catch (err) {
      rethrowMultipart(err);
    }
    return parts;
  }
}

const RCD = "response-content-disposition";

/** What every presigned GET of one bucket shares. */
interface GetTemplate {
  readonly presigner: S3RequestPresigner;
  readonly protocol: string;
  readonly hostname: string;
  readonly port: number | undefined;
  readonly host: string;
  /** The path before "/key" ("" virtual-hosted, "/bucket" path-style). */
  readonly prefix: string;
  /** The query of a GetObject with a disposition, in the SDK's order, signing parameters aside. */
  readonly query: readonly (readonly [string, string])[];
  readonly region: string;
  readonly service: string;
}

const PROBE_KEY = "presign-probe/p";

async function learnGetTemplate(client: S3Client, bucket: string): Promise<GetTemplate> {
  const url = new URL(
    await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: bucket, Key: PROBE_KEY, ResponseContentDisposition: "x" }),
      { expiresIn: 60 },
    ),
  );
  const tail = `/${PROBE_KEY}`;
  const credential = url.searchParams.get("X-Amz-Credential")?.split("/");
  if (!url.pathname.endsWith(tail) || !credential || credential.length !== 5)
    throw new Error(`unexpected presigned URL shape: ${url.origin}${url.pathname}`);
  const [, , region, service] = credential as [string, string, string, string, string];
  return {
    presigner: new S3RequestPresigner({
      ...client.config,
      signingName: service,
      region: async () => region,
    }),
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    host: url.host,
    prefix: url.pathname.slice(0, -tail.length),
    query: [...url.searchParams].filter(([k]) => !k.startsWith("X-Amz-")),
    region,
    service,
  };
}

/** RFC 3986 escaping as the SDK does it for paths and queries. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A signed request as a URL, as the SDK's formatUrl writes it. */
function formatUrl(request: {
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
}): string {
  const parts: string[] = [];
  // Sorted like the SDK's presigned URLs.
  for (const [name, value] of Object.entries(request.query ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    if (Array.isArray(value))
      for (const item of value) parts.push(`${escapeUri(name)}=${escapeUri(item)}`);
    else parts.push(value === null ? escapeUri(name) : `${escapeUri(name)}=${escapeUri(value)}`);
  }
  const protocol = request.protocol.endsWith(":") ? request.protocol : `${request.protocol}:`;
  const host = request.port ? `${request.hostname}:${request.port}` : request.hostname;
  return `${protocol}//${host}${request.path}${parts.length ? `?${parts.join("&")}` : ""}`;
}
