import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { GraphQLISODateTime } from "type-graphql";
import type { UserRecord } from "../aws/cognito-users.js";
import { PageInfo } from "../common/page.js";

export enum CustomerStatus {
  INVITED = "INVITED",
  ACTIVE = "ACTIVE",
  DISABLED = "DISABLED",
}
registerEnumType(CustomerStatus, {
  name: "CustomerStatus",
  valuesConfig: {
    INVITED: { description: "Created; the temporary password has not been replaced yet" },
  },
});

/** A customer profile as resolvers hand it to GraphQL. */
export interface CustomerRecord {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly status: CustomerStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A customer profile from the Cognito user that holds it. */
export function toCustomer(user: UserRecord): CustomerRecord {
  return {
    id: user.customerId ?? user.username,
    name: user.name,
    email: user.email,
    status: !user.enabled
      ? CustomerStatus.DISABLED
      : user.status === "FORCE_CHANGE_PASSWORD" || user.status === "RESET_REQUIRED"
        ? CustomerStatus.INVITED
        : CustomerStatus.ACTIVE,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** A Cognito user is this customer when its username is the id and its customer_id says so. */
export function isCustomerRecord(user: UserRecord | null, id: string): user is UserRecord {
  return !!user && user.username === id && user.customerId === id;
}

/** The customer `id` names, from the user looked up by that id; null when it is none. */
export function customerFrom(user: UserRecord | null, id: string): CustomerRecord | null {
  return isCustomerRecord(user, id) ? toCustomer(user) : null;
}

@ObjectType()
export class Customer {
  @Field(() => ID, { description: "The customer_id: stable, unique, used in S3 keys" })
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  email!: string;

  @Field(() => CustomerStatus)
  status!: CustomerStatus;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;
}

@ObjectType()
export class CustomerEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Customer)
  node!: CustomerRecord;
}

@ObjectType()
export class CustomerConnection {
  @Field(() => [CustomerEdge])
  edges!: CustomerEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@InputType()
export class CreateCustomerInput {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  name!: string;

  @Field(() => ID, {
    nullable: true,
    description:
      "Optional customer_id; generated when omitted. Lowercase letters, digits and dashes.",
  })
  id?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description:
      "Also email the customer a one-time link to set their password (needs email configured)",
  })
  sendInvitation?: boolean | null;
}

@ObjectType()
export class CreateCustomerPayload {
  @Field(() => Customer)
  customer!: CustomerRecord;

  @Field(() => String, { description: "Shown once; the customer must replace it at first sign-in" })
  temporaryPassword!: string;
}

@InputType()
export class UpdateCustomerInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;
}

@ObjectType()
export class ResetCustomerPasswordPayload {
  @Field(() => Customer)
  customer!: CustomerRecord;

  @Field(() => String)
  temporaryPassword!: string;
}
