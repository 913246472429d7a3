import { describe, expect, it } from "vitest";
import {
  block,
  blocks,
  resource,
  resourcesOfType,
  stringList,
  terraform,
} from "./terraform-config";

describe("Cognito user pool", () => {
  it("signs in by username or verified email alias, case-insensitively (not username_attributes)", async () => {
    const pool = resource(await terraform(), "aws_cognito_user_pool.main");
    expect(stringList(pool, "alias_attributes")).toEqual(["email"]);
    expect(pool.username_attributes).toBeUndefined();
    expect(block(pool, "username_configuration").case_sensitive).toBe(false);
    expect(stringList(pool, "auto_verified_attributes")).toEqual(["email"]);
  });

  it("lets only admins create users", async () => {
    const pool = resource(await terraform(), "aws_cognito_user_pool.main");
    expect(block(pool, "admin_create_user_config").allow_admin_create_user_only).toBe(true);
  });

  it("has the password policy (12+, lower, upper, digit, symbol; temporary validity variable)", async () => {
    const policy = block(
      resource(await terraform(), "aws_cognito_user_pool.main"),
      "password_policy",
    );
    expect(policy).toEqual({
      minimum_length: 12,
      require_lowercase: true,
      require_uppercase: true,
      require_numbers: true,
      require_symbols: true,
      temporary_password_validity_days: "${var.temporary_password_validity_days}",
    });
  });

  it("declares custom:customer_id as an immutable 3-63 character string", async () => {
    const pool = resource(await terraform(), "aws_cognito_user_pool.main");
    const schemas = blocks(pool, "schema");
    expect(schemas).toHaveLength(1);
    const s = schemas[0] ?? {};
    expect(s.name).toBe("customer_id");
    expect(s.attribute_data_type).toBe("String");
    expect(s.mutable).toBe(false);
    expect(s.developer_only_attribute).toBe(false);
    const c = block(s, "string_attribute_constraints");
    expect(String(c.min_length)).toBe("3");
    expect(String(c.max_length)).toBe("63");
  });

  it("turns deletion protection on from a variable (default on)", async () => {
    const cfg = await terraform();
    const pool = resource(cfg, "aws_cognito_user_pool.main");
    expect(pool.deletion_protection).toBe(
      '${var.cognito_deletion_protection ? "ACTIVE" : "INACTIVE"}',
    );
    expect(cfg.variables.get("cognito_deletion_protection")?.default).toBe(true);
  });

  it("sets the feature plan from a variable", async () => {
    const pool = resource(await terraform(), "aws_cognito_user_pool.main");
    expect(pool.user_pool_tier).toBe("${var.cognito_user_pool_tier}");
  });

  it("has exactly the groups Admins and Customers, in this pool", async () => {
    const cfg = await terraform();
    const groups = resourcesOfType(cfg, "aws_cognito_user_group").map(([, g]) => g);
    expect(groups.map((g) => g.name).sort()).toEqual(["Admins", "Customers"]);
    for (const g of groups) expect(g.user_pool_id).toBe("${aws_cognito_user_pool.main.id}");
  });
});

describe("Cognito app client", () => {
  const client = async () => resource(await terraform(), "aws_cognito_user_pool_client.web");

  it("is the only client, public (no secret), in this pool", async () => {
    const cfg = await terraform();
    expect(resourcesOfType(cfg, "aws_cognito_user_pool_client")).toHaveLength(1);
    const c = await client();
    expect(c.generate_secret).toBe(false);
    expect(c.user_pool_id).toBe("${aws_cognito_user_pool.main.id}");
  });

  it("allows exactly the password, SRP and refresh flows", async () => {
    expect(stringList(await client(), "explicit_auth_flows").sort()).toEqual([
      "ALLOW_REFRESH_TOKEN_AUTH",
      "ALLOW_USER_PASSWORD_AUTH",
      "ALLOW_USER_SRP_AUTH",
    ]);
  });

  it("hides user existence and supports token revocation", async () => {
    const c = await client();
    expect(c.prevent_user_existence_errors).toBe("ENABLED");
    expect(c.enable_token_revocation).toBe(true);
  });

  it("takes token lifetimes from variables, with explicit units", async () => {
    const c = await client();
    expect(c.access_token_validity).toBe("${var.access_token_validity_minutes}");
    expect(c.id_token_validity).toBe("${var.id_token_validity_minutes}");
    expect(c.refresh_token_validity).toBe("${var.refresh_token_validity_days}");
    expect(block(c, "token_validity_units")).toEqual({
      access_token: "minutes",
      id_token: "minutes",
      refresh_token: "days",
    });
  });

  it("cannot write custom:customer_id, and can read it", async () => {
    const c = await client();
    const write = stringList(c, "write_attributes");
    expect(write.sort()).toEqual(["email", "name"]);
    expect(write.some((a) => a.startsWith("custom:"))).toBe(false);
    const read = stringList(c, "read_attributes");
    for (const a of ["custom:customer_id", "email", "email_verified", "name"])
      expect(read).toContain(a);
  });

  it("offers no OAuth flows (sign-in goes through the API and InitiateAuth)", async () => {
    const c = await client();
    expect(c.allowed_oauth_flows).toBeUndefined();
    expect(c.allowed_oauth_flows_user_pool_client).toBe(false);
  });
});
