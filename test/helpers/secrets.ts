import { Revocations } from "../../src/auth/sessions.js";
import { CachedUsers } from "../../src/aws/cached-users.js";
import type { CognitoUsers } from "../../src/aws/cognito-users.js";
import { Cursors } from "../../src/common/page.js";
import { CustomerService } from "../../src/customers/customer.service.js";
import { Sealer } from "../../src/common/sealer.js";
import { FileIds } from "../../src/files/keys.js";

/** A fixed server secret for unit tests that build services by hand. */
export const TEST_SEALER = new Sealer(Buffer.alloc(32, 7));
export const testCursors = new Cursors(TEST_SEALER);
export const testIds = new FileIds(TEST_SEALER);

/** For customer services built by hand: a deployment that sends no email. */
export const noInvitations = {
  canSend: () => false,
  invite: () => Promise.reject(new Error("no email in this test")),
};

/**
 * A customer service built by hand over `users` (a CognitoUsers on a fake client): cached
 * lookups, global sign-out on (as on AWS), no email, no admin check needed.
 */
export function customerServiceOver(users: CognitoUsers): {
  service: CustomerService;
  cache: CachedUsers;
} {
  const cache = new CachedUsers(users, 60);
  const service = new CustomerService(
    users,
    cache,
    testCursors,
    new Revocations(users, cache, true),
    noInvitations,
    async () => false,
  );
  return { service, cache };
}
