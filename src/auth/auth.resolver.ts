import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "./context.js";
import { ForbiddenError, UnauthenticatedError } from "../errors.js";
import type { SignInOutcome, SignInService, Tokens } from "./auth.service.js";
import { AuthTokens, Role, SignInResult, Viewer } from "./auth.types.js";
import type { Identity } from "./identity.js";

@Resolver()
export class AuthResolver {
  constructor(private readonly auth: SignInService) {}

  @Query(() => Viewer, { description: "The signed-in user" })
  me(@Ctx() ctx: Context): Identity {
    if (!ctx.viewer) throw new UnauthenticatedError();
    if (!ctx.viewer.role) throw new ForbiddenError("This account has no role; ask an admin");
    return ctx.viewer;
  }

  @Mutation(() => SignInResult)
  signIn(
    @Arg("email", () => String) email: string,
    @Arg("password", () => String) password: string,
    @Ctx() ctx: Context,
  ): Promise<SignInOutcome> {
    return this.auth.signIn(email, password, ctx);
  }

  @Mutation(() => AuthTokens)
  completeNewPassword(
    @Arg("email", () => String) email: string,
    @Arg("session", () => String) session: string,
    @Arg("newPassword", () => String) newPassword: string,
    @Ctx() ctx: Context,
  ): Promise<Tokens> {
    return this.auth.completeNewPassword(email, session, newPassword, ctx);
  }

  @Mutation(() => AuthTokens)
  completeMfaSignIn(
    @Arg("email", () => String) email: string,
    @Arg("session", () => String) session: string,
    @Arg("code", () => String) code: string,
    @Ctx() ctx: Context,
  ): Promise<Tokens> {
    return this.auth.completeMfaSignIn(email, session, code, ctx);
  }

  @Mutation(() => AuthTokens)
  refreshTokens(
    @Arg("refreshToken", () => String) refreshToken: string,
    @Ctx() ctx: Context,
  ): Promise<Tokens> {
    return this.auth.refresh(refreshToken, ctx);
  }
}

export { Role };
