import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, it } from "vitest";
import { CognitoUsers } from "../../src/aws/cognito-users.js";
import { AppError } from "../../src/errors.js";

/** A Cognito client whose every call fails with `error` (SDK level: no stand-in throttles). */
function failingWith(error: Error): CognitoIdentityProviderClient {
  return { send: () => Promise.reject(error) } as unknown as CognitoIdentityProviderClient;
}

const throttled = Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" });

async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
  return "resolved";
}

describe("CognitoUsers (SDK-level fake): an outage is SERVICE_UNAVAILABLE on every call, writes included", () => {
  it("maps throttling on writes as on reads, and passes other errors through unchanged", async () => {
    const users = new CognitoUsers(failingWith(throttled), "pool_1");
    expect(await codeOf(users.get("alice"))).toBe("SERVICE_UNAVAILABLE");
    expect(await codeOf(users.updateAttributes("alice", { name: "A" }))).toBe(
      "SERVICE_UNAVAILABLE",
    );
    expect(await codeOf(users.setPermanentPassword("alice", "Str0ng!Passw0rd"))).toBe(
      "SERVICE_UNAVAILABLE",
    );
    expect(await codeOf(users.delete("alice"))).toBe("SERVICE_UNAVAILABLE");
    const exists = Object.assign(new Error("exists"), { name: "UsernameExistsException" });
    const other = new CognitoUsers(failingWith(exists), "pool_1");
    await expect(other.create("alice", {}, "Tmp!Passw0rd1")).rejects.toBe(exists);
  });
});
