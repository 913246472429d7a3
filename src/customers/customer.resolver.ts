import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Viewer } from "../auth/auth.types.js";
import type { Identity } from "../auth/identity.js";
import type { Context } from "../auth/context.js";
import { ownCustomerId } from "../policy.js";
import type { CustomerPage, CustomerService } from "./customer.service.js";
import {
  CreateCustomerInput,
  CreateCustomerPayload,
  Customer,
  CustomerConnection,
  ResetCustomerPasswordPayload,
  UpdateCustomerInput,
  toCustomer,
} from "./customer.types.js";
import type { CustomerRecord } from "./customer.types.js";

@Resolver(() => Customer)
export class CustomerResolver {
  constructor(private readonly service: CustomerService) {}

  @Query(() => CustomerConnection, { complexity: 10 }) // query cost: one Cognito list per page
  customers(
    @Arg("first", () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
  ): Promise<CustomerPage> {
    return this.service.list(first, after);
  }

  @Query(() => Customer, {
    complexity: 5, // query cost: a Cognito lookup
    nullable: true,
    description: "Null when it does not exist or the viewer may not see it",
  })
  customer(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<CustomerRecord | null> {
    return this.service.lookup(ctx.viewer, id);
  }

  @Mutation(() => CreateCustomerPayload)
  createCustomer(
    @Arg("input", () => CreateCustomerInput) input: CreateCustomerInput,
    @Ctx() ctx: Context,
  ) {
    return this.service.create(input, ctx.log);
  }

  @Mutation(() => Customer)
  updateCustomer(
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateCustomerInput) input: UpdateCustomerInput,
    @Ctx() ctx: Context,
  ): Promise<CustomerRecord> {
    return this.service.update(id, input, ctx.log);
  }

  @Mutation(() => ResetCustomerPasswordPayload)
  resetCustomerPassword(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    return this.service.resetPassword(id, ctx.log);
  }

  @Mutation(() => ID, {
    description:
      "Deletes the customer's account and returns its id. Refused (CONFLICT) while their folder holds files.",
  })
  deleteCustomer(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<string> {
    return this.service.delete(id, ctx.log);
  }
}

@Resolver(() => Viewer)
export class ViewerCustomerResolver {
  @FieldResolver(() => Customer, {
    nullable: true,
    description: "The viewer's own profile; null for admins",
  })
  customer(@Root() viewer: Identity): CustomerRecord | null {
    // The record was read when the request was authenticated: no further Cognito call.
    return ownCustomerId(viewer) !== null ? toCustomer(viewer.user) : null;
  }
}
