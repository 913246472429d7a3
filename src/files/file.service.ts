import type DataLoader from "dataloader";
import type { Identity } from "../auth/identity.js";
import type { ObjectHead, S3Store } from "../aws/s3-store.js";
import { pageSize } from "../common/page.js";
import type { Cursors } from "../common/page.js";
import { isCustomerId } from "../customers/customer-id.js";
import { audited } from "../audit.js";
import type { AuditNote } from "../audit.js";
import { BadUserInputError, ForbiddenError, NotFoundError } from "../errors.js";
import type { Logger } from "../log.js";
import {
  canDeleteFrom,
  canReadFolder,
  canWriteFolder,
  customerFolder,
  hasRole,
  ownCustomerId,
  readableFolders,
  uploadFolder,
} from "../policy.js";
import { folderOf, prefixOf } from "./folders.js";
import {
  CUSTOMERS_ROOT,
  GENERAL_ROOT,
  buildKey,
  cleanFileName,
  contentDisposition,
  parseKey,
} from "./keys.js";
import type { FileIds, ParsedKey } from "./keys.js";
import { FileScope } from "./file.types.js";
import type { FileRecord } from "./file.types.js";

export interface FileSettings {
  readonly uploadMaxBytes: number;
  readonly uploadUrlTtlSeconds: number;
  readonly downloadUrlTtlSeconds: number;
}

export interface FilePage {
  edges: { cursor: string; node: FileRecord }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface UploadRequest {
  filename: string;
  contentType: string;
  size: number;
  scope?: FileScope | null;
  customerId?: string | null;
  checksumSha256?: string | null;
}

export interface UploadLimits {
  /** Largest size accepted, in bytes. */
  readonly maxBytes: number;
  /** The message for a size above `maxBytes`. */
  readonly tooLarge: (maxBytes: number) => string;
  /** When set, a well-formed `checksumSha256` is refused with this message. */
  readonly refuseChecksum?: string;
}

/** A checked upload request: where the bytes go and what the server records with them. */
export interface UploadTarget {
  readonly key: string;
  readonly scope: FileScope;
  readonly customerId: string | null;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly checksumSha256?: string;
  /** The object's x-amz-meta-* values, set by the server (URI-encoded). */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface Ticket {
  fileId: string;
  method: "PUT";
  url: string;
  headers: { name: string; value: string }[];
  expiresAt: Date;
}

/** Where each listed folder stands: the last key handed out from it. */
type Positions = Record<string, string | null>;
const isPositions = (value: unknown): value is Positions =>
  !!value &&
  typeof value === "object" &&
  !Array.isArray(value) &&
  Object.entries(value).every(
    ([prefix, lastKey]) =>
      typeof prefix === "string" &&
      (lastKey === null || (typeof lastKey === "string" && lastKey.length <= 1024)),
  );

/** How listed folders are merged: by time (folders of one kind) or by key (all customers at once). */
type MergeOrder = "time" | "key";

const MIME_RE =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\\\r\n]*"|[A-Za-z0-9!#$&^_.+-]+))*$/;
const SHA256_B64_RE = /^[A-Za-z0-9+/]{43}=$/;

function decodeMeta(value: string | undefined): string | null {
  if (value === undefined) return null;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Object metadata by key for one request (the context's `loaders.heads`). */
export type HeadLoader = Pick<DataLoader<string, ObjectHead | null>, "load">;

/**
 * Files in one bucket: keys built by the server, listings straight from ListObjectsV2 (one call
 * per folder per page, newest first by key design), presigned URLs for every byte.
 */
export class FileService {
  constructor(
    private readonly store: S3Store,
    private readonly customerExists: (id: string) => Promise<boolean>,
    private readonly settings: FileSettings,
    /** Issues and checks file ids (signed: an id names exactly the key it was issued for). */
    readonly ids: FileIds,
    private readonly cursors: Cursors,
  ) {}

  /** A file as GraphQL sees it, from its parsed key and what S3 says of the object. */
  record(parsed: ParsedKey, size: number, lastModified: Date): FileRecord {
    return {
      id: this.ids.of(parsed.key),
      key: parsed.key,
      name: parsed.name,
      scope: parsed.scope === "GENERAL" ? FileScope.GENERAL : FileScope.CUSTOMER,
      customerId: parsed.customerId,
      size,
      lastModified,
    };
  }

  /**
   * Where an upload goes and what it carries, for single and multipart uploads alike: the
   * viewer's right to write the folder, the key built by the server, the cleaned name, content
   * type, size and checksum checked, and the metadata the server records. Input is checked first
   * and in a fixed order, so a bad request costs no Cognito call.
   */
  async resolveUploadTarget(
    viewer: Identity | null,
    input: UploadRequest,
    limits: UploadLimits,
  ): Promise<UploadTarget> {
    const scope = input.scope ?? FileScope.CUSTOMER;
    // The permission layer has let this request through for this very folder (rule canUploadTo);
    // asked again here so no upload is ever signed for a folder the policy refuses.
    const folder = uploadFolder(viewer, { scope, customerId: input.customerId });
    if (folder ? !canWriteFolder(viewer, folder) : !hasRole(viewer))
      throw new ForbiddenError("Customers upload into their own folder only");
    if (scope === FileScope.GENERAL && input.customerId != null)
      throw new BadUserInputError("'customerId' goes with scope CUSTOMER only", "customerId");
    if (!folder)
      throw new BadUserInputError(
        "Say which customer's folder receives the file: 'customerId'",
        "customerId",
      );
    if (folder.scope === "CUSTOMER" && !isCustomerId(folder.customerId))
      throw new BadUserInputError("'customerId' is not a customer id", "customerId");
    const name = cleanFileName(input.filename);
    const contentType = input.contentType.trim();
    if (contentType.length > 255 || !MIME_RE.test(contentType))
      throw new BadUserInputError(
        "'contentType' is not a media type such as application/pdf",
        "contentType",
      );
    if (!Number.isSafeInteger(input.size) || input.size <= 0)
      throw new BadUserInputError("'size' must be a whole number of bytes above 0", "size");
    if (input.size > limits.maxBytes)
      throw new BadUserInputError(limits.tooLarge(limits.maxBytes), "size");
    const checksum = input.checksumSha256 ?? undefined;
    if (checksum !== undefined && !SHA256_B64_RE.test(checksum))
      throw new BadUserInputError(
        "'checksumSha256' must be the base64 SHA-256 of the content (44 characters)",
        "checksumSha256",
      );
    if (checksum !== undefined && limits.refuseChecksum)
      throw new BadUserInputError(limits.refuseChecksum, "checksumSha256");
    const customerId = folder.scope === "CUSTOMER" ? folder.customerId : null;
    // Checked after the input so a bad request costs no Cognito call. The viewer's own folder
    // exists: their record was read for this request.
    if (
      customerId !== null &&
      customerId !== ownCustomerId(viewer) &&
      !(await this.customerExists(customerId))
    )
      throw new NotFoundError(`No customer '${customerId}'`);

    return {
      key: buildKey(folder.scope, customerId, name),
      scope: folder.scope === "GENERAL" ? FileScope.GENERAL : FileScope.CUSTOMER,
      customerId,
      name,
      contentType,
      size: input.size,
      ...(checksum ? { checksumSha256: checksum } : {}),
      metadata: {
        "original-name": encodeURIComponent(name),
        "uploaded-by": encodeURIComponent(viewer?.email ?? viewer?.username ?? ""),
      },
    };
  }

  requestUpload(viewer: Identity | null, input: UploadRequest, log: Logger): Promise<Ticket> {
    return audited(log, "requestUpload", input.customerId ?? input.scope ?? "-", (note) =>
      this.signUpload(viewer, input, note),
    );
  }

  private async signUpload(
    viewer: Identity | null,
    input: UploadRequest,
    note: AuditNote,
  ): Promise<Ticket> {
    const target = await this.resolveUploadTarget(viewer, input, {
      maxBytes: this.settings.uploadMaxBytes,
      tooLarge: (max) =>
        `'size' is above ${max} bytes, the most one upload request may carry` +
        (max >= 5 * 1024 ** 3
          ? " (S3's single-PUT limit); larger files need a multipart upload: startMultipartUpload"
          : ""),
    });
    const { key } = target;
    const expiresIn = this.settings.uploadUrlTtlSeconds;
    const signed = await this.store.presignPut({
      key,
      contentType: target.contentType,
      contentLength: target.size,
      metadata: target.metadata,
      ...(target.checksumSha256 ? { checksumSha256: target.checksumSha256 } : {}),
      expiresIn,
    });
    note.target = this.ids.of(key);
    note.details = { scope: target.scope, customerId: target.customerId, size: target.size };
    return {
      fileId: this.ids.of(key),
      method: "PUT",
      url: signed.url,
      headers: Object.entries(signed.headers).map(([name, value]) => ({ name, value })),
      expiresAt: new Date(Date.now() + expiresIn * 1000),
    };
  }

  /**
   * The folders a `files` query reads: the one `customerId` names, else those the policy lets the
   * viewer read (`readableFolders`), narrowed to `scope`.
   */
  foldersToList(
    viewer: Identity | null,
    scope: FileScope | null | undefined,
    customerId: string | null | undefined,
  ): { prefixes: string[]; order: MergeOrder } {
    if (customerId != null) {
      const folder = customerFolder(customerId);
      // The permission layer checked this folder (rule canListFolder); a listing never reads a
      // folder the policy refuses, whatever calls it.
      if (!canReadFolder(viewer, folder))
        throw new ForbiddenError("Customers see their own files and general files only");
      if (scope === FileScope.GENERAL)
        throw new BadUserInputError("'customerId' goes with scope CUSTOMER only", "customerId");
      if (!isCustomerId(customerId))
        throw new BadUserInputError("'customerId' is not a customer id", "customerId");
      return { prefixes: [prefixOf(folder)], order: "time" };
    }
    const readable = readableFolders(viewer);
    if (readable === "EVERY") {
      // Every customer's folder at once: one listing of the customers/ root, merged by key.
      if (scope === FileScope.GENERAL) return { prefixes: [GENERAL_ROOT], order: "time" };
      if (scope === FileScope.CUSTOMER) return { prefixes: [CUSTOMERS_ROOT], order: "key" };
      return { prefixes: [CUSTOMERS_ROOT, GENERAL_ROOT], order: "key" };
    }
    const chosen = readable.filter((f) => scope == null || f.scope === scope);
    if (chosen.length === 0) throw new ForbiddenError();
    return { prefixes: chosen.map(prefixOf), order: "time" };
  }

  /** A page of files: the folders `foldersToList` says, `customerId`'s alone when it is given. */
  list(
    viewer: Identity | null,
    args: {
      first?: number | null;
      after?: string | null;
      scope?: FileScope | null;
      customerId?: string | null;
    },
  ): Promise<FilePage> {
    const { prefixes, order } = this.foldersToList(viewer, args.scope, args.customerId);
    return this.page(prefixes, order, args.first, args.after);
  }

  /**
   * One page over one or more folders: one ListObjectsV2 per folder, all at once, merged. Each
   * folder is fetched `first` deep, so the merge can never run past a folder's unseen keys.
   * The cursor holds the last key handed out per folder and is re-checked against the folders
   * this query may read: a cursor from another query or viewer is refused.
   */
  private async page(
    prefixes: string[],
    order: MergeOrder,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<FilePage> {
    const size = pageSize(first);
    const pos: Positions = after ? this.cursors.decode("files", after, isPositions) : {};
    for (const [prefix, last] of Object.entries(pos)) {
      if (!prefixes.includes(prefix) || (last !== null && !last.startsWith(prefix)))
        throw new BadUserInputError(
          "The cursor 'after' belongs to another listing; start again without it",
          "after",
        );
    }
    const lists = await Promise.all(
      prefixes.map((p) => this.store.list(p, pos[p] ?? undefined, size)),
    );
    const streams = lists.map((listing, index) => ({
      prefix: prefixes[index] as string,
      items: listing.objects,
      at: 0,
      truncated: listing.truncated,
    }));
    const sortKey = (prefix: string, key: string) =>
      order === "time" ? key.slice(prefix.length) : key;
    const state: Positions = Object.fromEntries(prefixes.map((p) => [p, pos[p] ?? null]));
    const edges: FilePage["edges"] = [];
    let stoppedEarly = false;
    while (edges.length < size) {
      let best: (typeof streams)[number] | undefined;
      for (const stream of streams) {
        const item = stream.items[stream.at];
        if (!item) continue;
        if (
          !best ||
          sortKey(stream.prefix, item.key) <
            sortKey(best.prefix, (best.items[best.at] as { key: string }).key)
        )
          best = stream;
      }
      // A folder with more keys than were fetched must not be overtaken by another folder.
      if (streams.some((s) => s.at >= s.items.length && s.truncated)) {
        stoppedEarly = true;
        break;
      }
      if (!best) break;
      const item = best.items[best.at++] as { key: string; size: number; lastModified: Date };
      state[best.prefix] = item.key;
      const parsed = parseKey(item.key);
      if (!parsed) continue; // not a well-formed key: never listed
      edges.push({
        cursor: this.cursors.encode("files", { ...state }),
        node: this.record(parsed, item.size, item.lastModified),
      });
    }
    const hasNextPage = stoppedEarly || streams.some((s) => s.at < s.items.length || s.truncated);
    return { edges, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  /** The file this id names, if the viewer may see it and it exists; otherwise null, alike. */
  async get(heads: HeadLoader, viewer: Identity | null, id: string): Promise<FileRecord | null> {
    const parsed = this.ids.parse(id);
    const folder = parsed && folderOf(parsed);
    if (!parsed || !folder || !canReadFolder(viewer, folder)) return null;
    const head = await heads.load(parsed.key);
    return head ? this.record(parsed, head.size, head.lastModified) : null;
  }

  delete(viewer: Identity | null, id: string, log: Logger): Promise<string> {
    return audited(log, "deleteFile", id, async (note) => {
      const parsed = this.ids.parse(id);
      const folder = parsed && folderOf(parsed);
      if (!parsed || !folder) throw new BadUserInputError("'id' is not a file id", "id");
      if (!canDeleteFrom(viewer, folder)) throw new ForbiddenError();
      if (!(await this.store.head(parsed.key))) throw new NotFoundError("No such file");
      await this.store.delete(parsed.key);
      note.details.key = parsed.key;
      return id;
    });
  }

  async contentType(heads: HeadLoader, file: FileRecord): Promise<string | null> {
    return (await heads.load(file.key))?.contentType ?? null;
  }

  async uploadedBy(heads: HeadLoader, file: FileRecord): Promise<string | null> {
    return decodeMeta((await heads.load(file.key))?.metadata["uploaded-by"]);
  }

  downloadUrl(file: FileRecord): Promise<string> {
    return this.store.presignGet(
      file.key,
      contentDisposition(file.name),
      this.settings.downloadUrlTtlSeconds,
    );
  }
}
