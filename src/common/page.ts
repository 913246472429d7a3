import { Field, ObjectType } from "type-graphql";
import { BadUserInputError } from "../errors.js";
import type { Sealer } from "./sealer.js";

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 50;

/** `first` as asked (null → default), refused outside 1..100. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE)
    throw new BadUserInputError(`'first' must be between 1 and ${MAX_PAGE_SIZE}`, "first");
  return first;
}

/**
 * Opaque, signed cursors: versioned JSON in base64url, then a MAC. Decoding is strict (MAC first,
 * then the shape, checked by the caller's guard); anything else is BAD_USER_INPUT. A cursor is a
 * position, never a permission: every use re-checks what it points at against the viewer.
 */
export class Cursors {
  constructor(private readonly sealer: Sealer) {}

  encode(kind: string, value: unknown): string {
    const body = Buffer.from(JSON.stringify({ v: 1, k: kind, p: value }), "utf8").toString(
      "base64url",
    );
    return `${body}.${this.sealer.sign("cursor", body)}`;
  }

  decode<T>(kind: string, cursor: string, guard: (value: unknown) => value is T): T {
    const bad = () =>
      new BadUserInputError(
        "The cursor 'after' is not valid here; start again without it",
        "after",
      );
    const match = /^([A-Za-z0-9_-]{1,4000})\.([A-Za-z0-9_-]{22})$/.exec(cursor);
    if (!match || !this.sealer.verify("cursor", match[1] as string, match[2] as string))
      throw bad();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(match[1] as string, "base64url").toString("utf8"));
    } catch {
      throw bad();
    }
    const envelope = parsed as { v?: unknown; k?: unknown; p?: unknown } | null;
    if (
      !envelope ||
      typeof envelope !== "object" ||
      envelope.v !== 1 ||
      envelope.k !== kind ||
      !guard(envelope.p)
    )
      throw bad();
    return envelope.p;
  }
}
