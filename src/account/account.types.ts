import { Field, GraphQLISODateTime, ID, ObjectType } from "type-graphql";

@ObjectType({ description: "An emailed one-time link to set a password" })
export class Invitation {
  @Field(() => ID)
  customerId!: string;

  @Field(() => String)
  sentTo!: string;

  @Field(() => GraphQLISODateTime)
  expiresAt!: Date;
}

@ObjectType({
  description:
    "Enter the secret (or scan the otpauth URI as a QR code) in an authenticator app, then confirm a code",
})
export class TotpSetup {
  @Field(() => String)
  secret!: string;

  @Field(() => String)
  otpauthUri!: string;
}
