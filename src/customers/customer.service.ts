import { CUSTOMERS_GROUP, generatePassword } from "../auth/admins.js";
import type { Revocations } from "../auth/sessions.js";
import type { Identity } from "../auth/identity.js";
import { normaliseEmail } from "../auth/email.js";
import type { CachedUsers } from "../aws/cached-users.js";
import type { CognitoUsers, UserRecord } from "../aws/cognito-users.js";
import { CUSTOMER_ID_ATTRIBUTE } from "../aws/cognito-users.js";
import { awsErrorName, rethrowAws } from "../aws/errors.js";
import { pageSize } from "../common/page.js";
import type { Cursors } from "../common/page.js";
import { audited } from "../audit.js";
import { AppError, BadUserInputError, ConflictError, NotFoundError } from "../errors.js";
import type { Logger } from "../log.js";
import { canManageCustomers, canSeeCustomer } from "../policy.js";
import { generateCustomerId, isCustomerId } from "./customer-id.js";
import { customerFrom, isCustomerRecord, toCustomer } from "./customer.types.js";
import type { CustomerRecord } from "./customer.types.js";

/** What creating a customer with `sendInvitation` needs (the account service provides it). */
export interface Invitations {
  canSend(): boolean;
  invite(user: UserRecord, log: Logger): Promise<unknown>;
}

export interface CustomerPage {
  edges: { cursor: string; node: CustomerRecord }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Position in the Customers group: the Cognito page token and how many of its users were seen. */
interface GroupPosition {
  t: string | null;
  o: number;
}
const isGroupPosition = (value: unknown): value is GroupPosition => {
  const position = value as GroupPosition | null;
  return (
    !!position &&
    typeof position === "object" &&
    (position.t === null ||
      (typeof position.t === "string" && position.t.length > 0 && position.t.length < 4000)) &&
    Number.isInteger(position.o) &&
    position.o >= 0 &&
    // Cognito pages hold at most 60; the local stand-in returns everyone in one page.
    position.o <= 1_000_000
  );
};

/** Cognito returns at most 60 group members per call; a GraphQL page uses at most this many calls. */
const COGNITO_PAGE = 60;
const MAX_CALLS_PER_PAGE = 2;

function cleanName(input: string): string {
  const name = input
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .trim()
    .replace(/\s+/g, " ");
  if (name.length < 1 || name.length > 200)
    throw new BadUserInputError("'name' must be 1 to 200 characters", "name");
  return name;
}

function cleanEmail(input: string): string {
  const email = normaliseEmail(input);
  if (!email) throw new BadUserInputError("'email' is not a valid email address", "email");
  return email;
}

/** Does the customer's folder (customers/{id}/) hold at least one file? */
export type FolderCheck = (customerId: string) => Promise<boolean>;

/**
 * Customer profiles, stored as Cognito users only: username = customer id (unique by
 * construction, found with one AdminGetUser), `custom:customer_id` = the same id (immutable),
 * email verified and unique, member of the Customers group.
 */
export class CustomerService {
  constructor(
    private readonly users: CognitoUsers,
    private readonly cache: CachedUsers,
    private readonly cursors: Cursors,
    private readonly sessions: Revocations,
    private readonly invitations: Invitations,
    private readonly folderHasFiles: FolderCheck,
  ) {}

  async create(
    input: { email: string; name: string; id?: string | null; sendInvitation?: boolean | null },
    log: Logger,
  ): Promise<{ customer: CustomerRecord; temporaryPassword: string }> {
    const chosenId = input.id ?? null;
    return audited(log, "createCustomer", chosenId ?? "(generated)", async (note) => {
      const email = cleanEmail(input.email);
      const name = cleanName(input.name);
      if (input.sendInvitation && !this.invitations.canSend())
        throw new BadUserInputError(
          "This deployment sends no email (MAIL_FROM is not set): create the customer without sendInvitation and give them the temporary password",
          "sendInvitation",
        );
      if (chosenId !== null && !isCustomerId(chosenId))
        throw new BadUserInputError(
          "'id' must be 3-63 lowercase letters, digits and inner dashes (e.g. acme-corp)",
          "id",
        );
      if (await this.users.emailTaken(email))
        throw new ConflictError("A user with this email already exists");
      const temporaryPassword = generatePassword();
      let created: UserRecord | undefined;
      for (let attempt = 0; !created; attempt++) {
        const id = chosenId ?? generateCustomerId(name);
        note.target = id;
        try {
          created = await this.users.create(
            id,
            { email, email_verified: "true", name, [CUSTOMER_ID_ATTRIBUTE]: id },
            temporaryPassword,
          );
        } catch (err) {
          const name = awsErrorName(err);
          if (name === "UsernameExistsException") {
            if (chosenId === null && attempt < 3) continue;
            throw new ConflictError(`The customer id '${id}' is taken`);
          }
          if (name === "AliasExistsException")
            throw new ConflictError("A user with this email already exists");
          rethrowAws(err);
        }
      }
      const id = created.username;
      // A lookup made before the user existed (e.g. "may files go to this id?") must not linger.
      this.cache.invalidate(id);
      try {
        await this.users.addToGroup(id, CUSTOMERS_GROUP);
        // Two creates with one email can both pass the check above; the oldest user keeps it.
        const sameEmail = await this.users.allWithEmail(email);
        if (sameEmail.length > 1 && sameEmail[0]?.username !== id)
          throw new ConflictError("A user with this email already exists");
        // The email goes before anything is final: when it cannot be sent, the customer goes too.
        if (input.sendInvitation) await this.invitations.invite(created, log);
      } catch (err) {
        // Nothing half-made remains: the user goes again, and the caller sees the failure.
        await this.users
          .delete(id)
          .catch((rollbackErr: unknown) =>
            log.error("rollback of a half-made customer failed", { target: id, err: rollbackErr }),
          );
        this.cache.invalidate(id);
        if (err instanceof AppError) throw err;
        rethrowAws(err);
      }
      return { customer: toCustomer(created), temporaryPassword };
    });
  }

  /**
   * The customer, or null when the id is malformed or names no customer. Through the user cache
   * (up to USER_CACHE_TTL_SECONDS old): for lookups on behalf of other data (a file's owner, "may
   * files go to this id?") and a customer reading themself (the record their request was
   * authenticated with).
   */
  async get(id: string): Promise<CustomerRecord | null> {
    if (!isCustomerId(id)) return null;
    return customerFrom(await this.cache.get(id), id);
  }

  /**
   * The customer as Cognito has it now (one AdminGetUser), for admins managing customers: the
   * status must not lag behind a password the customer just chose. The fresh record replaces
   * this instance's cached one, so the customer's next request is checked against it too.
   */
  async read(id: string): Promise<CustomerRecord | null> {
    if (!isCustomerId(id)) return null;
    const user = await this.users.get(id);
    if (user) this.cache.remember(user);
    else this.cache.invalidate(id);
    return customerFrom(user, id);
  }

  /**
   * The customer `id` names, as `viewer` may see it: those who manage customers get the record as
   * Cognito has it now (`read`); a customer gets themself through the cache (`get`). Anyone
   * else's id answers null, like a missing one (the permission layer refuses those first).
   */
  lookup(viewer: Identity | null, id: string): Promise<CustomerRecord | null> {
    if (!canSeeCustomer(viewer, id)) return Promise.resolve(null);
    return canManageCustomers(viewer) ? this.read(id) : this.get(id);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.get(id)) !== null;
  }

  /**
   * Members of the Customers group, in Cognito's stable order. A page costs at most two Cognito
   * calls whatever the total; it may hold fewer than `first` items (then hasNextPage is true).
   */
  async list(
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<CustomerPage> {
    const size = pageSize(first);
    let pos: GroupPosition = after
      ? this.cursors.decode("customers", after, isGroupPosition)
      : { t: null, o: 0 };
    const edges: CustomerPage["edges"] = [];
    let hasNextPage = true;
    // Where the scan stopped: after the last edge, or further when members that are not customer
    // records were skipped (then endCursor is past the last edge, so a page of skipped members
    // still moves on instead of answering hasNextPage with no cursor).
    let scanned = pos;
    for (let calls = 0; calls < MAX_CALLS_PER_PAGE && edges.length < size; calls++) {
      const page = await this.groupPage(pos.t);
      const { users } = page;
      const at = (index: number): GroupPosition =>
        index < users.length || !page.nextToken
          ? { t: pos.t, o: index }
          : { t: page.nextToken, o: 0 };
      let index = pos.o;
      while (index < users.length && edges.length < size) {
        const user = users[index++];
        const customer = user ? customerFrom(user, user.username) : null;
        if (customer)
          edges.push({ cursor: this.cursors.encode("customers", at(index)), node: customer });
      }
      scanned = at(index);
      if (index < users.length) break; // the page is full inside this Cognito page
      if (!page.nextToken) {
        hasNextPage = false;
        break;
      }
      pos = { t: page.nextToken, o: 0 };
    }
    const endCursor = hasNextPage
      ? this.cursors.encode("customers", scanned)
      : (edges.at(-1)?.cursor ?? null);
    return { edges, pageInfo: { hasNextPage, endCursor } };
  }

  private async groupPage(token: string | null) {
    try {
      return await this.users.listGroupPage(CUSTOMERS_GROUP, COGNITO_PAGE, token ?? undefined);
    } catch (err) {
      if (awsErrorName(err) === "InvalidParameterException")
        throw new BadUserInputError(
          "The cursor 'after' is no longer valid; start again without it",
          "after",
        );
      throw err;
    }
  }

  async update(
    id: string,
    input: { name?: string | null; email?: string | null; enabled?: boolean | null },
    log: Logger,
  ): Promise<CustomerRecord> {
    return audited(log, "updateCustomer", id, async (note) => {
      if (!isCustomerId(id)) throw new BadUserInputError("'id' is not a customer id", "id");
      const name =
        input.name === undefined || input.name === null ? undefined : cleanName(input.name);
      const email =
        input.email === undefined || input.email === null ? undefined : cleanEmail(input.email);
      const current = await this.users.get(id);
      if (!isCustomerRecord(current, id)) throw new NotFoundError(`No customer '${id}'`);
      if (email !== undefined && email !== current.email) {
        if (await this.users.emailTaken(email, id))
          throw new ConflictError("A user with this email already exists");
      }
      const attrs: Record<string, string> = {};
      if (name !== undefined && name !== current.name) attrs.name = name;
      if (email !== undefined && email !== current.email) {
        attrs.email = email;
        attrs.email_verified = "true";
      }
      const changed: string[] = Object.keys(attrs).filter((k) => k !== "email_verified");
      try {
        if (Object.keys(attrs).length) await this.users.updateAttributes(id, attrs);
        if (input.enabled === false && current.enabled) {
          changed.push("enabled");
          await this.users.setEnabled(id, false);
          await this.sessions.revoke(id, log);
        } else if (input.enabled === true && !current.enabled) {
          changed.push("enabled");
          await this.users.setEnabled(id, true);
        }
      } catch (err) {
        if (awsErrorName(err) === "AliasExistsException")
          throw new ConflictError("A user with this email already exists");
        rethrowAws(err);
      } finally {
        note.details.changed = changed;
        this.cache.invalidate(id);
      }
      const fresh = await this.users.get(id);
      if (!fresh) throw new NotFoundError(`No customer '${id}'`);
      this.cache.remember(fresh);
      return toCustomer(fresh);
    });
  }

  async resetPassword(
    id: string,
    log: Logger,
  ): Promise<{ customer: CustomerRecord; temporaryPassword: string }> {
    return audited(log, "resetCustomerPassword", id, async () => {
      if (!isCustomerId(id)) throw new BadUserInputError("'id' is not a customer id", "id");
      const current = await this.users.get(id);
      if (!isCustomerRecord(current, id)) throw new NotFoundError(`No customer '${id}'`);
      const temporaryPassword = generatePassword();
      try {
        await this.users.setTemporaryPassword(id, temporaryPassword);
        await this.sessions.revoke(id, log);
      } catch (err) {
        rethrowAws(err);
      } finally {
        this.cache.invalidate(id);
      }
      const fresh = (await this.users.get(id)) ?? current;
      return { customer: toCustomer(fresh), temporaryPassword };
    });
  }

  /**
   * Deletes the customer's Cognito user, only once their folder is empty (CONFLICT otherwise:
   * files must not outlive the customer they belong to, nor pass to a later customer given the
   * same id). Their sessions end at once on this instance (the cached record goes) and on other
   * instances within USER_CACHE_TTL_SECONDS, when their user lookup finds no user.
   */
  async delete(id: string, log: Logger): Promise<string> {
    return audited(log, "deleteCustomer", id, async () => {
      if (!isCustomerId(id)) throw new BadUserInputError("'id' is not a customer id", "id");
      const current = await this.users.get(id);
      if (!isCustomerRecord(current, id)) throw new NotFoundError(`No customer '${id}'`);
      if (await this.folderHasFiles(id))
        throw new ConflictError(
          `The folder of customer '${id}' still holds files; delete them first`,
        );
      try {
        await this.users.delete(id);
      } catch (err) {
        if (awsErrorName(err) === "UserNotFoundException")
          throw new NotFoundError(`No customer '${id}'`);
        rethrowAws(err);
      } finally {
        this.cache.invalidate(id);
      }
      return id;
    });
  }
}
