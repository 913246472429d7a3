import { Cursors } from "../../src/common/page.js";
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
