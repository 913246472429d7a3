import { Cursors } from "../../src/common/page.js";
import { Sealer } from "../../src/common/sealer.js";
import { FileIds } from "../../src/files/keys.js";

/** A fixed server secret for unit tests that build services by hand. */
export const TEST_SEALER = new Sealer(Buffer.alloc(32, 7));
export const testCursors = new Cursors(TEST_SEALER);
export const testIds = new FileIds(TEST_SEALER);
