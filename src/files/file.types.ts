import { GraphQLSafeInt } from "graphql-scalars";
import {
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  ObjectType,
  registerEnumType,
} from "type-graphql";
import { PageInfo } from "../common/page.js";

export enum FileScope {
  CUSTOMER = "CUSTOMER",
  GENERAL = "GENERAL",
}
registerEnumType(FileScope, {
  name: "FileScope",
  valuesConfig: {
    CUSTOMER: { description: "A file in one customer's folder: customers/{customerId}/" },
    GENERAL: { description: "A file every customer may read: general/" },
  },
});

/** A file as resolvers hand it to GraphQL: what one ListObjectsV2 entry says. */
export interface FileRecord {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly scope: FileScope;
  readonly customerId: string | null;
  readonly size: number;
  readonly lastModified: Date;
}

@ObjectType()
export class File {
  @Field(() => ID, {
    description: "Opaque, stable id; never a raw S3 key a client could edit into another tenant's",
  })
  id!: string;

  @Field(() => String, {
    description: "Original file name, as shown to people and used for downloads",
  })
  name!: string;

  @Field(() => FileScope)
  scope!: FileScope;

  @Field(() => ID, { nullable: true, description: "Owner customer id; null for GENERAL files" })
  customerId!: string | null;

  @Field(() => GraphQLSafeInt)
  size!: number;

  @Field(() => GraphQLISODateTime)
  lastModified!: Date;
}

@ObjectType()
export class FileEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => File)
  node!: FileRecord;
}

@ObjectType()
export class FileConnection {
  @Field(() => [FileEdge])
  edges!: FileEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@InputType()
export class RequestUploadInput {
  @Field(() => String)
  filename!: string;

  @Field(() => String)
  contentType!: string;

  @Field(() => GraphQLSafeInt, { description: "Exact size in bytes; the upload must match it" })
  size!: number;

  @Field(() => FileScope, { nullable: true, defaultValue: FileScope.CUSTOMER })
  scope?: FileScope | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "Admin only: the customer whose folder receives the file. Customers upload to their own folder.",
  })
  customerId?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Optional base64 SHA-256 of the content; when given, S3 must reject bytes that do not match",
  })
  checksumSha256?: string | null;
}

@ObjectType()
export class HttpHeader {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType({
  description: "How to send the bytes: an HTTP request straight to S3, never through this API",
})
export class UploadTicket {
  @Field(() => ID, { description: "The id the File will have once the upload succeeded" })
  fileId!: string;

  @Field(() => String)
  method!: string;

  @Field(() => String)
  url!: string;

  @Field(() => [HttpHeader], { description: "Headers the client must send exactly as given" })
  headers!: HttpHeader[];

  @Field(() => GraphQLISODateTime)
  expiresAt!: Date;
}
