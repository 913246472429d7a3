import { GraphQLSafeInt } from "graphql-scalars";
import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType } from "type-graphql";
import { HttpHeader } from "./file.types.js";

@ObjectType({
  description:
    "A multipart upload in progress: sign part URLs, PUT each part straight to S3, then complete",
})
export class MultipartUpload {
  @Field(() => ID, { description: "The id the File will have once the upload is completed" })
  fileId!: string;

  @Field(() => String, {
    description:
      "Opaque upload handle; send it back unchanged with every later step. Whoever holds it and " +
      "may write the file's folder can sign, complete or abort the upload.",
  })
  uploadId!: string;

  @Field(() => GraphQLSafeInt, {
    description: "Bytes in every part but the last (at least 5 MiB); the last holds the rest",
  })
  partSize!: number;

  @Field(() => Int, { description: "Number of parts, 1 to 10,000; part numbers run 1..partCount" })
  partCount!: number;

  @Field(() => GraphQLISODateTime, {
    description: "After this, parts can no longer be signed nor the upload completed",
  })
  expiresAt!: Date;
}

@ObjectType({ description: "Where to PUT one part: a presigned S3 URL for exactly `size` bytes" })
export class UploadPart {
  @Field(() => Int)
  partNumber!: number;

  @Field(() => GraphQLSafeInt, { description: "Exact length of this part's body, in bytes" })
  size!: number;

  @Field(() => String)
  url!: string;

  @Field(() => [HttpHeader], {
    description:
      "Headers to send exactly as given (none today; Content-Length is the client's own)",
  })
  headers!: HttpHeader[];

  @Field(() => GraphQLISODateTime)
  expiresAt!: Date;
}

@ObjectType({ description: "A part S3 holds for an upload in progress" })
export class UploadedPart {
  @Field(() => Int)
  partNumber!: number;

  @Field(() => GraphQLSafeInt)
  size!: number;

  @Field(() => String, { description: "The part's ETag, as completeMultipartUpload wants it" })
  etag!: string;
}

@InputType()
export class CompletedPartInput {
  @Field(() => Int)
  partNumber!: number;

  @Field(() => String, {
    description: "The ETag response header S3 returned for the part's PUT (quotes optional)",
  })
  etag!: string;
}
