import type { Identity } from "../auth/identity.js";
import { awsErrorName } from "../aws/errors.js";
import type { S3Store, StoredPart } from "../aws/s3-store.js";
import { audited } from "../audit.js";
import type { AuditNote } from "../audit.js";
import { S3_OBJECT_MAX_BYTES } from "../config.js";
import { BadUserInputError, ForbiddenError, NotFoundError } from "../errors.js";
import type { Logger } from "../log.js";
import { canWriteFolder } from "../policy.js";
import { folderOf } from "./folders.js";
import type { FileService, UploadRequest } from "./file.service.js";
import type { FileRecord } from "./file.types.js";
import type { ParsedKey } from "./keys.js";
import type { Sealer } from "../common/sealer.js";

export interface MultipartSettings {
  /** Largest file one multipart upload may assemble. */
  readonly multipartMaxBytes: number;
  /** How long after its start an upload can still get part URLs and be completed. */
  readonly multipartWindowSeconds: number;
  /** Lifetime of one presigned part URL (never past the upload's own expiry). */
  readonly uploadUrlTtlSeconds: number;
}

export const MIB = 1024 * 1024;
/** S3: every part but the last must hold at least 5 MiB. */
export const MIN_PART_BYTES = 5 * MIB;
/** S3: at most 5 GiB in one part. */
export const MAX_PART_BYTES = 5 * 1024 * MIB;
/** S3: part numbers run 1..10,000. */
export const MAX_PARTS = 10_000;
/** Part URLs signed by one signUploadParts call. */
export const MAX_SIGN_BATCH = 100;

export interface PartPlan {
  /** Bytes in every part but the last. */
  readonly partSize: number;
  readonly partCount: number;
}

/**
 * The server's choice of part size: 5 MiB (S3's minimum) while that needs at most 10,000 parts,
 * otherwise the smallest whole number of MiB that fits the file into 10,000 parts. At S3's
 * 5 TiB maximum that is 525 MiB × 9,987 parts.
 */
export function planParts(size: number): PartPlan {
  if (!Number.isSafeInteger(size) || size <= 0 || size > S3_OBJECT_MAX_BYTES)
    throw new RangeError(`not a multipart upload size: ${size}`);
  const fitted = Math.ceil(Math.ceil(size / MAX_PARTS) / MIB) * MIB;
  const partSize = Math.max(MIN_PART_BYTES, fitted);
  return { partSize, partCount: Math.ceil(size / partSize) };
}

/** Length of part `partNumber` (1-based) of a file of `size` bytes under `plan`. */
export function partLength(size: number, plan: PartPlan, partNumber: number): number {
  return partNumber < plan.partCount ? plan.partSize : size - plan.partSize * (plan.partCount - 1);
}

/**
 * The handle clients send back: sealed with the server secret (src/common/sealer.ts), it carries
 * what each later step relies on — the key, the declared size (so each step signs exact part
 * lengths), S3's upload id and the expiry — with no server-side state. A handle that was edited,
 * made for another file or by another server opens as nothing.
 */
const HANDLE_PREFIX = "m2.";

export interface UploadHandle {
  /** The S3 key the upload writes. */
  k: string;
  /** Declared size in bytes. */
  s: number;
  /** S3's UploadId. */
  u: string;
  /** Expiry, ms since the epoch. */
  e: number;
}

const isUploadHandle = (value: unknown): value is UploadHandle => {
  const handle = value as UploadHandle | null;
  return (
    !!handle &&
    typeof handle.k === "string" &&
    Number.isSafeInteger(handle.s) &&
    handle.s > 0 &&
    handle.s <= S3_OBJECT_MAX_BYTES &&
    typeof handle.u === "string" &&
    handle.u.length > 0 &&
    Number.isSafeInteger(handle.e)
  );
};

export function sealUploadHandle(sealer: Sealer, handle: UploadHandle): string {
  return HANDLE_PREFIX + sealer.seal("upload", { ...handle });
}

/** The handle's contents, or null when this server did not seal it (or it was edited). */
export function openUploadHandle(sealer: Sealer, uploadId: string): UploadHandle | null {
  return uploadId.startsWith(HANDLE_PREFIX)
    ? sealer.open("upload", uploadId.slice(HANDLE_PREFIX.length), isUploadHandle)
    : null;
}

/** S3 part ETags are the part's MD5 in hex, quoted in the header; quotes optional here. */
const ETAG_RE = /^"?([0-9a-fA-F]{32})"?$/;

export interface StartedUpload {
  fileId: string;
  uploadId: string;
  partSize: number;
  partCount: number;
  expiresAt: Date;
}

export interface SignedPart {
  partNumber: number;
  size: number;
  url: string;
  headers: { name: string; value: string }[];
  expiresAt: Date;
}

/** One upload in progress as a step sees it, after every check. */
interface UploadRef {
  readonly parsed: ParsedKey;
  readonly s3UploadId: string;
  readonly size: number;
  readonly plan: PartPlan;
  readonly expiresAt: Date;
}

const CHECKSUM_REFUSED =
  "'checksumSha256' is for single uploads (requestUpload): S3 checks SHA-256 per part for " +
  "multipart uploads, never for the whole object. Leave it out here, or verify the file after download";

/**
 * Multipart uploads, for files above the single-PUT limit or uploads that must survive a dropped
 * connection: start (same checks as requestUpload), sign part URLs in batches, list what S3
 * holds (to resume), complete with the parts' ETags, or abort. The bytes go straight to S3.
 */
export class MultipartService {
  constructor(
    private readonly store: S3Store,
    private readonly files: FileService,
    private readonly settings: MultipartSettings,
    private readonly sealer: Sealer,
    private readonly now: () => number = Date.now,
  ) {}

  start(viewer: Identity | null, input: UploadRequest, log: Logger): Promise<StartedUpload> {
    return audited(log, "startMultipartUpload", input.customerId ?? input.scope ?? "-", (note) =>
      this.begin(viewer, input, note),
    );
  }

  private async begin(
    viewer: Identity | null,
    input: UploadRequest,
    note: AuditNote,
  ): Promise<StartedUpload> {
    const target = await this.files.resolveUploadTarget(viewer, input, {
      maxBytes: Math.min(this.settings.multipartMaxBytes, S3_OBJECT_MAX_BYTES),
      tooLarge: (max) => `'size' is above ${max} bytes, the most one multipart upload may assemble`,
      refuseChecksum: CHECKSUM_REFUSED,
    });
    const plan = planParts(target.size);
    const s3UploadId = await this.store.createMultipartUpload({
      key: target.key,
      contentType: target.contentType,
      metadata: target.metadata,
    });
    const fileId = this.files.ids.of(target.key);
    const expiresAt = new Date(this.now() + this.settings.multipartWindowSeconds * 1000);
    note.target = fileId;
    note.details = {
      scope: target.scope,
      customerId: target.customerId,
      size: target.size,
      partCount: plan.partCount,
    };
    return {
      fileId,
      uploadId: sealUploadHandle(this.sealer, {
        k: target.key,
        s: target.size,
        u: s3UploadId,
        e: expiresAt.getTime(),
      }),
      partSize: plan.partSize,
      partCount: plan.partCount,
      expiresAt,
    };
  }

  async sign(
    viewer: Identity | null,
    fileId: string,
    uploadId: string,
    partNumbers: readonly number[],
  ): Promise<SignedPart[]> {
    const ref = this.resolve(viewer, fileId, uploadId);
    this.refuseExpired(ref);
    if (partNumbers.length === 0 || partNumbers.length > MAX_SIGN_BATCH)
      throw new BadUserInputError(
        `Ask for 1 to ${MAX_SIGN_BATCH} part numbers per call`,
        "partNumbers",
      );
    const seen = new Set<number>();
    for (const partNumber of partNumbers) {
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > ref.plan.partCount)
        throw new BadUserInputError(
          `Part number ${partNumber} is outside 1..${ref.plan.partCount}, the parts of this upload`,
          "partNumbers",
        );
      if (seen.has(partNumber))
        throw new BadUserInputError(`Part number ${partNumber} is asked for twice`, "partNumbers");
      seen.add(partNumber);
    }
    const now = this.now();
    const left = Math.floor((ref.expiresAt.getTime() - now) / 1000);
    const expiresIn = Math.max(1, Math.min(this.settings.uploadUrlTtlSeconds, left));
    const expiresAt = new Date(now + expiresIn * 1000);
    return Promise.all(
      partNumbers.map(async (partNumber) => {
        const size = partLength(ref.size, ref.plan, partNumber);
        const url = await this.store.presignUploadPart({
          key: ref.parsed.key,
          uploadId: ref.s3UploadId,
          partNumber,
          contentLength: size,
          expiresIn,
        });
        return { partNumber, size, url, headers: [], expiresAt };
      }),
    );
  }

  /** The parts S3 holds so far (to resume after a dropped connection or a reload). */
  async listParts(
    viewer: Identity | null,
    fileId: string,
    uploadId: string,
  ): Promise<StoredPart[]> {
    const ref = this.resolve(viewer, fileId, uploadId);
    try {
      return await this.store.listParts(ref.parsed.key, ref.s3UploadId);
    } catch (err) {
      mapS3Error(err);
    }
  }

  complete(
    viewer: Identity | null,
    fileId: string,
    uploadId: string,
    parts: readonly { partNumber: number; etag: string }[],
    log: Logger,
  ): Promise<FileRecord> {
    return audited(log, "completeMultipartUpload", fileId, (note) =>
      this.assemble(viewer, fileId, uploadId, parts, note),
    );
  }

  private async assemble(
    viewer: Identity | null,
    fileId: string,
    uploadId: string,
    parts: readonly { partNumber: number; etag: string }[],
    note: AuditNote,
  ): Promise<FileRecord> {
    const ref = this.resolve(viewer, fileId, uploadId);
    this.refuseExpired(ref);
    const { partCount } = ref.plan;
    if (parts.length !== partCount)
      throw new BadUserInputError(
        `This upload has ${partCount} part${partCount === 1 ? "" : "s"}; send every one, with its ETag (got ${parts.length})`,
        "parts",
      );
    const byNumber = new Map<number, string>();
    for (const part of parts) {
      if (!Number.isInteger(part.partNumber) || part.partNumber < 1 || part.partNumber > partCount)
        throw new BadUserInputError(
          `Part number ${part.partNumber} is outside 1..${partCount}, the parts of this upload`,
          "parts",
        );
      if (byNumber.has(part.partNumber))
        throw new BadUserInputError(`Part number ${part.partNumber} is listed twice`, "parts");
      const match = ETAG_RE.exec(part.etag.trim());
      if (!match)
        throw new BadUserInputError(
          `The ETag of part ${part.partNumber} is not the ETag header S3 returned for it (32 hex digits)`,
          "parts",
        );
      byNumber.set(part.partNumber, `"${(match[1] as string).toLowerCase()}"`);
    }
    const ordered = [...byNumber.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partNumber, etag]) => ({ partNumber, etag }));
    try {
      await this.store.completeMultipartUpload(ref.parsed.key, ref.s3UploadId, ordered);
    } catch (err) {
      note.details.reason = awsErrorName(err) ?? "error";
      mapS3Error(err);
    }
    const head = await this.store.head(ref.parsed.key);
    if (!head) throw new Error(`object missing right after CompleteMultipartUpload: ${fileId}`);
    // Each part URL signs its exact length, so only a client that edited the upload handle can
    // get here with another size. The object is not kept under a size it was not declared with.
    if (head.size !== ref.size) {
      await this.store.delete(ref.parsed.key);
      note.details = { reason: "size_mismatch", declared: ref.size, actual: head.size };
      throw new BadUserInputError(
        `The parts add up to ${head.size} bytes, not the ${ref.size} declared; the file was discarded`,
        "parts",
      );
    }
    note.details = { size: head.size, partCount };
    return this.files.record(ref.parsed, head.size, head.lastModified);
  }

  abort(viewer: Identity | null, fileId: string, uploadId: string, log: Logger): Promise<boolean> {
    return audited(log, "abortMultipartUpload", fileId, async (note) => {
      const ref = this.resolve(viewer, fileId, uploadId);
      try {
        await this.store.abortMultipartUpload(ref.parsed.key, ref.s3UploadId);
      } catch (err) {
        note.details.reason = awsErrorName(err) ?? "error";
        mapS3Error(err);
      }
      return true;
    });
  }

  /**
   * Every step starts here. The file id and the handle come from the client: the id must be one
   * this server issued, in a folder the viewer may write, and the handle must be one this server
   * sealed for that same key. S3 ties upload ids to keys as well.
   */
  private resolve(viewer: Identity | null, fileId: string, uploadId: string): UploadRef {
    const parsed = this.files.ids.parse(fileId);
    const folder = parsed && folderOf(parsed);
    if (!parsed || !folder) throw new BadUserInputError("'fileId' is not a file id", "fileId");
    // The permission layer checked this folder (rule canWriteUpload); asked again so that no
    // step ever reaches S3 for a folder the policy refuses.
    if (!canWriteFolder(viewer, folder))
      throw new ForbiddenError("Customers upload into their own folder only");
    const handle = openUploadHandle(this.sealer, uploadId);
    if (!handle || handle.k !== parsed.key || handle.s > this.settings.multipartMaxBytes)
      throw new BadUserInputError(
        "'uploadId' is not the upload id startMultipartUpload returned for this file",
        "uploadId",
      );
    return {
      parsed,
      s3UploadId: handle.u,
      size: handle.s,
      plan: planParts(handle.s),
      expiresAt: new Date(handle.e),
    };
  }

  private refuseExpired(ref: UploadRef): void {
    if (this.now() >= ref.expiresAt.getTime())
      throw new BadUserInputError(
        `This upload expired at ${ref.expiresAt.toISOString()}; start a new one`,
        "uploadId",
      );
  }
}

/** S3's answers about an upload, in the API's public codes; anything else passes on. */
function mapS3Error(err: unknown): never {
  switch (awsErrorName(err)) {
    case "NoSuchUpload":
      throw new NotFoundError(
        "No upload in progress with this id for this file: it was completed, aborted or has expired",
      );
    case "InvalidPart":
      throw new BadUserInputError(
        "A part is missing or its ETag does not match what S3 holds: upload the missing parts " +
          "(uploadedParts lists what S3 has) and send the ETags S3 returned",
        "parts",
      );
    case "InvalidPartOrder":
      throw new BadUserInputError("Parts must be listed in ascending order", "parts");
    case "EntityTooSmall":
      throw new BadUserInputError(
        "A part other than the last is smaller than 5 MiB: upload each part with exactly the size signed for it",
        "parts",
      );
    default:
      throw err;
  }
}
