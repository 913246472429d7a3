import { describe, expect, it } from "vitest";
import { APP_CLIENT, CUSTOM_ATTRIBUTES } from "../../src/local/seed.js";
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
    expect(schemas.map((x) => x.name)).toEqual(["customer_id", "revoked_at", "link_hash"]);
    const s = schemas[0] ?? {};
    expect(s.name).toBe("customer_id");
    expect(s.attribute_data_type).toBe("String");
    expect(s.mutable).toBe(false);
    expect(s.developer_only_attribute).toBe(false);
    const c = block(s, "string_attribute_constraints");
    expect(String(c.min_length)).toBe("3");
    expect(String(c.max_length)).toBe("63");
  });

  it("declares custom:revoked_at and custom:link_hash as mutable strings for the API", async () => {
    const pool = resource(await terraform(), "aws_cognito_user_pool.main");
    const byName = new Map(blocks(pool, "schema").map((x) => [x.name, x]));
    for (const [name, max] of [
      ["revoked_at", "20"],
      ["link_hash", "200"],
    ] as const) {
      const s = byName.get(name) ?? {};
      expect(s.attribute_data_type, name).toBe("String");
      expect(s.mutable, name).toBe(true);
      expect(s.required, name).toBe(false);
      expect(s.developer_only_attribute, name).toBe(false);
      const c = block(s, "string_attribute_constraints");
      expect(String(c.min_length), name).toBe("0");
      expect(String(c.max_length), name).toBe(max);
    }
  });

  it("offers TOTP MFA per user (optional), and no SMS", async () => {
    const pool = resource(await terraform(), "aws_cognito_user_pool.main");
    expect(pool.mfa_configuration).toBe("OPTIONAL");
    expect(block(pool, "software_token_mfa_configuration").enabled).toBe(true);
    expect(pool.sms_configuration).toBeUndefined();
  });

  it("counts an email change only once the new address is verified", async () => {
    const pool = resource(await terraform(), "aws_cognito_user_pool.main");
    expect(
      stringList(
        block(pool, "user_attribute_update_settings"),
        "attributes_require_verification_before_update",
      ),
    ).toEqual(["email"]);
    expect(stringList(pool, "auto_verified_attributes")).toContain("email");
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

  it("is the only client, confidential (Cognito generates a secret only the API holds), in this pool", async () => {
    const cfg = await terraform();
    expect(resourcesOfType(cfg, "aws_cognito_user_pool_client")).toHaveLength(1);
    const c = await client();
    expect(c.generate_secret).toBe(true);
    expect(c.user_pool_id).toBe("${aws_cognito_user_pool.main.id}");
    // The secret reaches the function through its SSM parameter, nowhere else.
    const refs = cfg.files.filter((f) =>
      f.text.includes("aws_cognito_user_pool_client.web.client_secret"),
    );
    expect(refs.map((f) => f.name)).toEqual(["secrets.tf"]);
  });

  it("allows exactly the password and refresh flows (no SRP)", async () => {
    expect(stringList(await client(), "explicit_auth_flows").sort()).toEqual([
      "ALLOW_REFRESH_TOKEN_AUTH",
      "ALLOW_USER_PASSWORD_AUTH",
    ]);
  });

  it("gives 3 minutes to answer a challenge (new password, MFA code)", async () => {
    expect((await client()).auth_session_validity).toBe(3);
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

  it("reads exactly email, email_verified, name and custom:customer_id", async () => {
    expect([...stringList(await client(), "read_attributes")].sort()).toEqual([
      "custom:customer_id",
      "email",
      "email_verified",
      "name",
    ]);
  });

  it("writes no attribute the API relies on, and the list is not empty (empty = every standard attribute)", async () => {
    const write = stringList(await client(), "write_attributes");
    expect(write.length).toBeGreaterThan(0);
    for (const relied of ["email", "email_verified", "name", "preferred_username", "phone_number"])
      expect(write).not.toContain(relied);
    expect(write.some((a) => a.startsWith("custom:"))).toBe(false);
    expect(write).toEqual(["locale"]);
  });

  it("offers no OAuth flows (sign-in goes through the API and InitiateAuth)", async () => {
    const c = await client();
    expect(c.allowed_oauth_flows).toBeUndefined();
    expect(c.allowed_oauth_flows_user_pool_client).toBe(false);
  });
});

describe("Terraform and the local stack's seed declare the same pool and client", () => {
  it("the same custom attributes, with the same mutability and lengths", async () => {
    const pool = resource(await terraform(), "aws_cognito_user_pool.main");
    const declared = blocks(pool, "schema").map((x) => {
      const c = block(x, "string_attribute_constraints");
      return {
        Name: x.name,
        AttributeDataType: x.attribute_data_type,
        Mutable: x.mutable,
        StringAttributeConstraints: {
          MinLength: String(c.min_length),
          MaxLength: String(c.max_length),
        },
      };
    });
    expect(declared).toEqual(CUSTOM_ATTRIBUTES);
  });

  it("the same confidential client: flows, attributes, token lifetimes", async () => {
    const cfg = await terraform();
    const c = resource(cfg, "aws_cognito_user_pool_client.web");
    expect(c.generate_secret).toBe(APP_CLIENT.GenerateSecret);
    expect([...stringList(c, "explicit_auth_flows")].sort()).toEqual(
      [...APP_CLIENT.ExplicitAuthFlows].sort(),
    );
    expect([...stringList(c, "read_attributes")].sort()).toEqual(
      [...APP_CLIENT.ReadAttributes].sort(),
    );
    expect(stringList(c, "write_attributes")).toEqual([...APP_CLIENT.WriteAttributes]);
    expect(c.prevent_user_existence_errors).toBe(APP_CLIENT.PreventUserExistenceErrors);
    expect(c.enable_token_revocation).toBe(APP_CLIENT.EnableTokenRevocation);
    const defaults = {
      access: cfg.variables.get("access_token_validity_minutes")?.default,
      id: cfg.variables.get("id_token_validity_minutes")?.default,
      refresh: cfg.variables.get("refresh_token_validity_days")?.default,
    };
    expect(defaults).toEqual({
      access: APP_CLIENT.AccessTokenValidity,
      id: APP_CLIENT.IdTokenValidity,
      refresh: APP_CLIENT.RefreshTokenValidity,
    });
    expect(block(c, "token_validity_units")).toEqual({
      access_token: APP_CLIENT.TokenValidityUnits.AccessToken,
      id_token: APP_CLIENT.TokenValidityUnits.IdToken,
      refresh_token: APP_CLIENT.TokenValidityUnits.RefreshToken,
    });
  });
});
