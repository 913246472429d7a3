import type { ApolloClient } from "@apollo/client";
import {
  AbortMultipartUploadDocument,
  CompleteMultipartUploadDocument,
  RequestUploadDocument,
  SignUploadPartsDocument,
  StartMultipartUploadDocument,
  UploadedPartsDocument,
} from "../../client/index.js";
import type {
  FileScope,
  MultipartUploadFieldsFragment,
  RequestUploadInput,
  SignUploadPartsMutation,
  UploadTicketFieldsFragment,
} from "../../client/index.js";
import { Cancelled, StorageError, describeError, errorCode } from "./errors.js";

/**
 * Uploads straight to S3: the API hands out presigned URLs and the bytes never pass through it.
 * Files up to MULTIPART_THRESHOLD go in one PUT; larger ones in parts (multipart), which survive
 * a reload: what is needed to resume (never a token) is kept in localStorage, and the parts
 * already in S3 are not sent again.
 */
export const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
/** Files uploading at once, and parts of one file at once. */
const FILES_AT_ONCE = 2;
const PARTS_AT_ONCE = 3;
/** Part URLs asked for per signUploadParts call (the API allows 100; URLs expire). */
const SIGN_BATCH = 12;

export interface Target {
  readonly scope: FileScope;
  /** Admins: the customer whose folder receives the file. */
  readonly customerId?: string | undefined;
}

export type UploadStatus = "queued" | "choose" | "uploading" | "done" | "failed" | "cancelled";

export interface UploadItem {
  readonly id: number;
  readonly name: string;
  readonly size: number;
  readonly status: UploadStatus;
  /** Bytes S3 has acknowledged so far (and bytes in flight). */
  readonly sent: number;
  readonly message?: string | undefined;
  /** Multipart only: parts in S3 and the total. */
  readonly parts?: { readonly done: number; readonly count: number } | undefined;
}

// ---------------------------------------------------------------------------------------------
// The resume records (localStorage)

/** What is kept to resume a multipart upload after a reload. No token, no password. */
export interface ResumeRecord {
  readonly viewerId: string;
  readonly fileId: string;
  readonly uploadId: string;
  readonly name: string;
  readonly size: number;
  readonly lastModified: number;
  readonly scope: FileScope;
  readonly customerId: string | null;
  readonly partSize: number;
  readonly partCount: number;
  readonly expiresAt: string;
  /**
   * ETags of the parts S3 acknowledged. `uploadedParts` (S3's ListParts) is asked first on
   * resume; these stand in where it is unavailable (the local S3 stand-in has no ListParts).
   */
  readonly etags: Record<string, string>;
}

export const RESUME_KEY = "portal.uploads.v1";

export class ResumeStore {
  constructor(private readonly storage: Storage) {}

  all(): ResumeRecord[] {
    try {
      const parsed = JSON.parse(this.storage.getItem(RESUME_KEY) ?? "[]") as unknown;
      if (!Array.isArray(parsed)) return [];
      const now = Date.now();
      return (parsed as ResumeRecord[]).filter(
        (r) => typeof r?.fileId === "string" && Date.parse(r.expiresAt) > now,
      );
    } catch {
      return [];
    }
  }

  forViewer(viewerId: string): ResumeRecord[] {
    return this.all().filter((r) => r.viewerId === viewerId);
  }

  find(viewerId: string, file: File, target: Target): ResumeRecord | undefined {
    return this.forViewer(viewerId).find(
      (r) =>
        r.name === file.name &&
        r.size === file.size &&
        r.lastModified === file.lastModified &&
        r.scope === target.scope &&
        (r.customerId ?? null) === (target.customerId ?? null),
    );
  }

  save(record: ResumeRecord): void {
    const rest = this.all().filter((r) => r.fileId !== record.fileId);
    this.storage.setItem(RESUME_KEY, JSON.stringify([...rest, record]));
  }

  remove(fileId: string): void {
    const rest = this.all().filter((r) => r.fileId !== fileId);
    if (rest.length) this.storage.setItem(RESUME_KEY, JSON.stringify(rest));
    else this.storage.removeItem(RESUME_KEY);
  }
}

// ---------------------------------------------------------------------------------------------
// The API calls an upload makes

type SignedPart = SignUploadPartsMutation["signUploadParts"][number];

export interface UploadApi {
  requestUpload(input: RequestUploadInput): Promise<UploadTicketFieldsFragment>;
  start(input: RequestUploadInput): Promise<MultipartUploadFieldsFragment>;
  sign(fileId: string, uploadId: string, partNumbers: number[]): Promise<readonly SignedPart[]>;
  uploadedParts(
    fileId: string,
    uploadId: string,
  ): Promise<readonly { partNumber: number; etag: string }[]>;
  complete(fileId: string, uploadId: string, etags: Record<string, string>): Promise<void>;
  abort(fileId: string, uploadId: string): Promise<void>;
}

export function apolloUploadApi(client: ApolloClient): UploadApi {
  const must = <T>(data: T | null | undefined): T => {
    if (data == null) throw new Error("The API returned no data");
    return data;
  };
  return {
    async requestUpload(input) {
      const r = await client.mutate({ mutation: RequestUploadDocument, variables: { input } });
      return must(r.data).requestUpload;
    },
    async start(input) {
      const r = await client.mutate({
        mutation: StartMultipartUploadDocument,
        variables: { input },
      });
      return must(r.data).startMultipartUpload;
    },
    async sign(fileId, uploadId, partNumbers) {
      const r = await client.mutate({
        mutation: SignUploadPartsDocument,
        variables: { fileId, uploadId, partNumbers },
      });
      return must(r.data).signUploadParts;
    },
    async uploadedParts(fileId, uploadId) {
      const r = await client.query({
        query: UploadedPartsDocument,
        variables: { fileId, uploadId },
        fetchPolicy: "no-cache",
      });
      return must(r.data).uploadedParts;
    },
    async complete(fileId, uploadId, etags) {
      const parts = Object.entries(etags)
        .map(([n, etag]) => ({ partNumber: Number(n), etag }))
        .sort((a, b) => a.partNumber - b.partNumber);
      await client.mutate({
        mutation: CompleteMultipartUploadDocument,
        variables: { fileId, uploadId, parts },
      });
    },
    async abort(fileId, uploadId) {
      await client.mutate({
        mutation: AbortMultipartUploadDocument,
        variables: { fileId, uploadId },
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One PUT to S3, with upload progress (fetch has none) and cancel

function put(
  url: string,
  method: string,
  headers: readonly { name: string; value: string }[],
  body: Blob,
  onProgress: (loaded: number) => void,
  signal: AbortSignal,
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Cancelled());
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    // Exactly the headers the ticket names: they are part of the signature.
    for (const h of headers) xhr.setRequestHeader(h.name, h.value);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    const onAbort = () => xhr.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    xhr.onloadend = () => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) return reject(new Cancelled());
      if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr.getResponseHeader("ETag"));
      const text = xhr.responseText ?? "";
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
      const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
      reject(new StorageError(xhr.status, code, message));
    };
    xhr.send(body);
  });
}

// ---------------------------------------------------------------------------------------------
// The queue

interface Job {
  item: UploadItem;
  readonly file: File;
  readonly target: Target;
  controller: AbortController;
  /** The multipart upload this job continues, once started or chosen. */
  record?: ResumeRecord | undefined;
  /** A record found for this file before it started: resume it or start over. */
  offer?: ResumeRecord | undefined;
}

export class Uploads {
  private jobs: Job[] = [];
  private snapshot: readonly UploadItem[] = [];
  private nextId = 1;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly api: UploadApi,
    private readonly store: ResumeStore,
    private readonly viewerId: string,
    /** Called after each file is in place (the listing refreshes). */
    private readonly onUploaded: (target: Target) => void,
  ) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): readonly UploadItem[] => this.snapshot;

  /** Unfinished multipart uploads into this folder (from before a reload), not picked again. */
  unfinished(target: Target): ResumeRecord[] {
    const active = new Set(this.jobs.map((j) => (j.record ?? j.offer)?.fileId));
    return this.store
      .forViewer(this.viewerId)
      .filter(
        (r) =>
          !active.has(r.fileId) &&
          r.scope === target.scope &&
          (r.customerId ?? null) === (target.customerId ?? null),
      );
  }

  add(files: readonly File[], target: Target): void {
    for (const file of files) {
      const offer =
        file.size > MULTIPART_THRESHOLD ? this.store.find(this.viewerId, file, target) : undefined;
      const done = offer ? Object.keys(offer.etags).length : 0;
      this.jobs.push({
        file,
        target,
        controller: new AbortController(),
        offer,
        item: {
          id: this.nextId++,
          name: file.name,
          size: file.size,
          status: offer ? "choose" : "queued",
          sent: 0,
          parts: offer ? { done, count: offer.partCount } : undefined,
        },
      });
    }
    this.publish();
    this.pump();
  }

  /** Continue the unfinished upload offered for this file. */
  resume(id: number): void {
    const job = this.job(id);
    if (!job) return;
    job.record = job.record ?? job.offer;
    job.offer = undefined;
    job.controller = new AbortController();
    this.update(job, { status: "queued", message: undefined });
    this.pump();
  }

  /** Forget the offered upload and send the whole file again. */
  startOver(id: number): void {
    const job = this.job(id);
    if (!job?.offer) return;
    void this.discard(job.offer);
    job.offer = undefined;
    this.update(job, { status: "queued", parts: undefined, sent: 0 });
    this.pump();
  }

  cancel(id: number): void {
    const job = this.job(id);
    if (!job || job.item.status === "done" || job.item.status === "cancelled") return;
    const running = job.item.status === "uploading";
    job.controller.abort();
    const record = job.record ?? job.offer;
    job.offer = undefined;
    job.record = undefined;
    if (!running) this.update(job, { status: "cancelled", message: "Cancelled." });
    if (record) void this.discard(record);
  }

  /** Removes finished, failed and cancelled rows. */
  clearFinished(): void {
    this.jobs = this.jobs.filter((j) => ["queued", "choose", "uploading"].includes(j.item.status));
    this.publish();
  }

  /** Aborts an unfinished upload in S3 and forgets it. */
  async discard(record: ResumeRecord): Promise<void> {
    this.store.remove(record.fileId);
    this.publish();
    // S3 deletes the parts; if that fails (the local stand-in cannot abort), the bucket's
    // lifecycle rule removes them after its window.
    await this.api.abort(record.fileId, record.uploadId).catch(() => undefined);
  }

  /** Bytes sent and bytes in all over the rows that are queued, running or done. */
  static overall(items: readonly UploadItem[]): { sent: number; total: number } {
    let sent = 0;
    let total = 0;
    for (const i of items) {
      if (i.status === "cancelled" || i.status === "failed" || i.status === "choose") continue;
      sent += i.sent;
      total += i.size;
    }
    return { sent, total };
  }

  private job(id: number): Job | undefined {
    return this.jobs.find((j) => j.item.id === id);
  }

  private pump(): void {
    let running = this.jobs.filter((j) => j.item.status === "uploading").length;
    for (const job of this.jobs) {
      if (running >= FILES_AT_ONCE) break;
      if (job.item.status !== "queued") continue;
      running++;
      this.update(job, { status: "uploading" });
      void this.run(job);
    }
  }

  private async run(job: Job): Promise<void> {
    try {
      if (job.file.size > MULTIPART_THRESHOLD) await this.multipart(job);
      else await this.single(job);
      this.update(job, { status: "done", sent: job.file.size, message: undefined });
      this.onUploaded(job.target);
    } catch (err) {
      if (err instanceof Cancelled || job.controller.signal.aborted)
        this.update(job, { status: "cancelled", message: "Cancelled." });
      else this.update(job, { status: "failed", message: describeError(err) });
    } finally {
      this.pump();
    }
  }

  private input(job: Job): RequestUploadInput {
    return {
      filename: job.file.name,
      contentType: job.file.type || "application/octet-stream",
      size: job.file.size,
      scope: job.target.scope,
      ...(job.target.customerId ? { customerId: job.target.customerId } : {}),
    };
  }

  private async single(job: Job): Promise<void> {
    const ticket = await this.api.requestUpload(this.input(job));
    await put(
      ticket.url,
      ticket.method,
      ticket.headers,
      job.file,
      (loaded) => this.update(job, { sent: Math.min(loaded, job.file.size) }),
      job.controller.signal,
    );
  }

  private async multipart(job: Job): Promise<void> {
    const signal = job.controller.signal;
    let record = job.record;
    if (record) {
      // S3's own list of parts is the truth. Where it cannot be had (the local S3 stand-in has
      // no ListParts: the API answers INTERNAL_SERVER_ERROR), the ETags kept here are. A refusal
      // that says the upload is not this user's, or is gone, ends it.
      const kept = record;
      const held = await this.api.uploadedParts(kept.fileId, kept.uploadId).then(
        (parts) => Object.fromEntries(parts.map((p) => [String(p.partNumber), p.etag])),
        (err: unknown) => {
          const code = errorCode(err);
          if (code === "FORBIDDEN" || code === "NOT_FOUND" || code === "UNAUTHENTICATED") {
            if (code !== "UNAUTHENTICATED") this.store.remove(kept.fileId);
            throw err;
          }
          return kept.etags;
        },
      );
      record = { ...kept, etags: held };
    } else {
      const up = await this.api.start(this.input(job));
      record = {
        viewerId: this.viewerId,
        fileId: up.fileId,
        uploadId: up.uploadId,
        name: job.file.name,
        size: job.file.size,
        lastModified: job.file.lastModified,
        scope: job.target.scope,
        customerId: job.target.customerId ?? null,
        partSize: up.partSize,
        partCount: up.partCount,
        expiresAt: up.expiresAt,
        etags: {},
      };
    }
    const rec: ResumeRecord = record;
    job.record = rec;
    if (signal.aborted) {
      // Cancelled while the upload was being started or looked up: nothing to keep.
      void this.discard(rec);
      throw new Cancelled();
    }
    this.store.save(rec);

    const { partSize, partCount } = rec;
    const partBytes = (n: number) =>
      n < partCount ? partSize : rec.size - partSize * (partCount - 1);
    const etags: Record<string, string> = { ...rec.etags };
    const inFlight = new Map<number, number>();
    const progress = () => {
      let sent = 0;
      for (const n of Object.keys(etags)) sent += partBytes(Number(n));
      for (const v of inFlight.values()) sent += v;
      this.update(job, {
        sent: Math.min(sent, rec.size),
        parts: { done: Object.keys(etags).length, count: partCount },
      });
    };
    progress();

    const missing: number[] = [];
    for (let n = 1; n <= partCount; n++) if (!etags[String(n)]) missing.push(n);
    const signed = new Map<number, SignedPart>();
    let signing: Promise<void> | undefined;
    const urlFor = async (n: number): Promise<SignedPart> => {
      while (!signed.has(n)) {
        signing ??= (async () => {
          const batch = [n, ...missing.filter((m) => m !== n && !signed.has(m))].slice(
            0,
            SIGN_BATCH,
          );
          for (const p of await this.api.sign(rec.fileId, rec.uploadId, batch))
            signed.set(p.partNumber, p);
        })().finally(() => (signing = undefined));
        await signing;
      }
      return signed.get(n) as SignedPart;
    };

    const queue = [...missing];
    const worker = async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        if (signal.aborted) throw new Cancelled();
        const part = await urlFor(n);
        const start = (n - 1) * partSize;
        const etag = await put(
          part.url,
          "PUT",
          part.headers,
          job.file.slice(start, start + part.size),
          (loaded) => {
            inFlight.set(n, loaded);
            progress();
          },
          signal,
        );
        inFlight.delete(n);
        if (!etag) throw new Error(`Storage sent no ETag for part ${n} (is ETag exposed by CORS?)`);
        etags[String(n)] = etag;
        job.record = { ...rec, etags: { ...etags } };
        this.store.save(job.record);
        progress();
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARTS_AT_ONCE, missing.length) }, worker));
    if (signal.aborted) throw new Cancelled();
    await this.api.complete(rec.fileId, rec.uploadId, etags);
    this.store.remove(rec.fileId);
    job.record = undefined;
  }

  private update(job: Job, patch: Partial<UploadItem>): void {
    job.item = { ...job.item, ...patch };
    this.publish();
  }

  private publish(): void {
    this.snapshot = this.jobs.map((j) => j.item);
    for (const l of this.listeners) l();
  }
}
