import DataLoader from "dataloader";
import { limitConcurrency } from "../common/limit.js";
import type { UserLookup } from "./cached-users.js";
import type { UserRecord } from "./cognito-users.js";
import type { ObjectHead, S3Store } from "./s3-store.js";

/**
 * Per-request batching of the lookups many fields of one response share: made with the request
 * context, dropped with it, so nothing read for one request answers another.
 */
export interface Loaders {
  /** Object metadata by key: one HEAD per key per request at most. */
  readonly heads: DataLoader<string, ObjectHead | null>;
  /** User records by username, through the process-wide user cache. */
  readonly users: DataLoader<string, UserRecord | null>;
}

/** HEAD requests one response may have in flight at once. */
const HEAD_CONCURRENCY = 16;

/**
 * A fresh set of loaders for one request, each made when a field first asks for it (most
 * requests need neither). `users` must be the same CachedUsers instance the services write
 * through, so an invalidation there (a customer updated, disabled, deleted) holds for every
 * lookup made after it.
 */
export function createLoaders(store: Pick<S3Store, "head">, users: UserLookup): Loaders {
  return new RequestLoaders(store, users);
}

/** Getters on a class: made per request, the object itself costs next to nothing. */
class RequestLoaders implements Loaders {
  private headLoader: Loaders["heads"] | undefined = undefined;
  private userLoader: Loaders["users"] | undefined = undefined;

  constructor(
    private readonly store: Pick<S3Store, "head">,
    private readonly userLookup: UserLookup,
  ) {}

  get heads(): Loaders["heads"] {
    if (!this.headLoader) {
      const limited = limitConcurrency(HEAD_CONCURRENCY);
      this.headLoader = new DataLoader<string, ObjectHead | null>(
        (keys) => Promise.all(keys.map((key) => limited(() => this.store.head(key)))),
        { maxBatchSize: 1000 },
      );
    }
    return this.headLoader;
  }

  get users(): Loaders["users"] {
    this.userLoader ??= new DataLoader<string, UserRecord | null>((usernames) =>
      Promise.all(usernames.map((username) => this.userLookup.get(username))),
    );
    return this.userLoader;
  }
}
