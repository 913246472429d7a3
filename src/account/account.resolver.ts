import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { AuthTokens } from "../auth/auth.types.js";
import type { Tokens } from "../auth/auth.service.js";
import type { Context } from "../auth/context.js";
import { signedIn } from "../auth/context.js";
import type {
  AccountService,
  Invitation as InvitationRecord,
  TotpSetup as TotpSetupRecord,
} from "./account.service.js";
import { Invitation, TotpSetup } from "./account.types.js";

@Resolver()
export class AccountResolver {
  constructor(private readonly account: AccountService) {}

  @Mutation(() => Invitation, {
    description:
      "Email the customer a one-time link to set their password; earlier links stop working",
  })
  sendInvitation(
    @Arg("customerId", () => ID) customerId: string,
    @Ctx() ctx: Context,
  ): Promise<InvitationRecord> {
    return this.account.sendInvitation(customerId, ctx.log);
  }

  @Mutation(() => AuthTokens, {
    description: "Set a password with the token from an invitation or reset link; signs in",
  })
  setPasswordWithToken(
    @Arg("token", () => String) token: string,
    @Arg("newPassword", () => String) newPassword: string,
    @Ctx() ctx: Context,
  ): Promise<Tokens> {
    return this.account.setPasswordWithToken(token, newPassword, ctx);
  }

  @Mutation(() => Boolean, {
    description:
      "Email a one-time reset link when the address belongs to an enabled user; always true",
  })
  requestPasswordReset(
    @Arg("email", () => String) email: string,
    @Ctx() ctx: Context,
  ): Promise<true> {
    return this.account.requestPasswordReset(email, ctx);
  }

  @Mutation(() => Boolean, {
    description:
      "Other sessions of the viewer end (this one too: sign in again with the new password)",
  })
  changePassword(
    @Arg("currentPassword", () => String) currentPassword: string,
    @Arg("newPassword", () => String) newPassword: string,
    @Ctx() ctx: Context,
  ): Promise<true> {
    return this.account.changePassword(signedIn(ctx), currentPassword, newPassword, ctx);
  }

  @Mutation(() => Boolean, { description: "Every token issued to the viewer so far stops working" })
  signOutEverywhere(@Ctx() ctx: Context): Promise<true> {
    return this.account.signOutEverywhere(signedIn(ctx), ctx.log);
  }

  @Mutation(() => TotpSetup)
  beginTotpSetup(@Ctx() ctx: Context): Promise<TotpSetupRecord> {
    return this.account.beginTotpSetup(signedIn(ctx), ctx.token, ctx.log);
  }

  @Mutation(() => Boolean)
  confirmTotpSetup(@Arg("code", () => String) code: string, @Ctx() ctx: Context): Promise<true> {
    return this.account.confirmTotpSetup(signedIn(ctx), ctx.token, code, ctx);
  }
}
