import { Field, ID, Int, ObjectType, createUnionType, registerEnumType } from "type-graphql";

export enum Role {
  ADMIN = "ADMIN",
  CUSTOMER = "CUSTOMER",
}
registerEnumType(Role, { name: "Role" });

@ObjectType()
export class AuthTokens {
  @Field(() => String)
  accessToken!: string;

  @Field(() => String)
  idToken!: string;

  @Field(() => String, { nullable: true })
  refreshToken!: string | null;

  @Field(() => Int, { description: "Seconds until the access and ID tokens expire" })
  expiresIn!: number;
}

@ObjectType()
export class NewPasswordRequired {
  @Field(() => String, { description: "Pass back to completeNewPassword" })
  session!: string;
}

@ObjectType({
  description:
    "The password was right; the account has an authenticator app: pass a code to completeMfaSignIn",
})
export class MfaRequired {
  @Field(() => String)
  session!: string;
}

export const SignInResult = createUnionType({
  name: "SignInResult",
  types: () => [AuthTokens, NewPasswordRequired, MfaRequired] as const,
  resolveType: (value) =>
    "challenge" in value
      ? value.challenge === "mfa"
        ? MfaRequired
        : NewPasswordRequired
      : AuthTokens,
});

@ObjectType()
export class Viewer {
  @Field(() => ID, { description: "Cognito sub of the signed-in user" })
  id!: string;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => Role)
  role!: Role;

  @Field(() => Boolean, {
    description: "True once the viewer has confirmed an authenticator app (TOTP)",
  })
  mfaEnabled!: boolean;
}
