import type { S3Client } from "@aws-sdk/client-s3";
import { CognitoUsers } from "../../../src/aws/cognito-users.js";
import type { UserRecord } from "../../../src/aws/cognito-users.js";
import { S3Store } from "../../../src/aws/s3-store.js";
import type { ListedObject, ObjectHead } from "../../../src/aws/s3-store.js";

/**
 * S3 in memory, for measuring the API's own cost with no emulator in the way: list and head
 * answer from a sorted array, like ListObjectsV2 (ascending keys, StartAfter, MaxKeys).
 * Presigning stays the real SDK code (it is local computation).
 */
export class MemoryS3Store extends S3Store {
  private readonly keys: string[];
  private readonly objects = new Map<string, { size: number; lastModified: Date }>();

  constructor(client: S3Client, bucket: string, objects: readonly ListedObject[]) {
    super(client, bucket);
    for (const o of objects)
      this.objects.set(o.key, { size: o.size, lastModified: o.lastModified });
    this.keys = [...this.objects.keys()].sort();
  }

  override async list(
    prefix: string,
    startAfter: string | undefined,
    maxKeys: number,
  ): Promise<{ objects: ListedObject[]; truncated: boolean }> {
    const from = Math.max(
      lowerBound(this.keys, prefix),
      startAfter ? upperBound(this.keys, startAfter) : 0,
    );
    const objects: ListedObject[] = [];
    let i = from;
    for (; i < this.keys.length && objects.length < maxKeys; i++) {
      const key = this.keys[i] as string;
      if (!key.startsWith(prefix)) break;
      const o = this.objects.get(key) as { size: number; lastModified: Date };
      objects.push({ key, size: o.size, lastModified: o.lastModified });
    }
    const nextKey = this.keys[i];
    return { objects, truncated: nextKey !== undefined && nextKey.startsWith(prefix) };
  }

  override async head(key: string): Promise<ObjectHead | null> {
    const o = this.objects.get(key);
    return o
      ? { contentType: "application/pdf", metadata: { "uploaded-by": "bench" }, ...o }
      : null;
  }
}

function lowerBound(a: readonly string[], x: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as string) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: readonly string[], x: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as string) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Cognito users in memory: AdminGetUser and ListUsersInGroup with AWS's paging (at most 60 per
 * call, a NextToken after that; the local stand-in ignores Limit).
 */
export class MemoryCognitoUsers extends CognitoUsers {
  private readonly byName: Map<string, UserRecord>;
  /** ListUsersInGroup calls since the last resetCalls(). */
  listCalls = 0;

  constructor(
    private readonly users: readonly UserRecord[],
    private readonly groups: Readonly<Record<string, readonly string[]>>,
  ) {
    super(undefined as never, "memory");
    this.byName = new Map(users.map((u) => [u.username, u]));
  }

  override async get(username: string): Promise<UserRecord | null> {
    return this.byName.get(username) ?? null;
  }

  override async listGroupPage(
    group: string,
    limit: number,
    nextToken: string | undefined,
  ): Promise<{ users: UserRecord[]; nextToken: string | undefined }> {
    this.listCalls++;
    const members = (this.groups[group] ?? []).map((n) => this.byName.get(n)).filter((u) => !!u);
    const from = nextToken ? Number(nextToken) : 0;
    const to = from + Math.min(limit, 60);
    return {
      users: members.slice(from, to) as UserRecord[],
      nextToken: to < members.length ? String(to) : undefined,
    };
  }

  resetCalls(): void {
    this.listCalls = 0;
  }

  get size(): number {
    return this.users.length;
  }
}
