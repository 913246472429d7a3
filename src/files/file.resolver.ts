import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Customer, customerFrom } from "../customers/customer.types.js";
import type { CustomerRecord } from "../customers/customer.types.js";
import type { Context } from "../auth/context.js";
import type { FilePage, FileService, Ticket } from "./file.service.js";
import { FileConnection, FileScope, File, RequestUploadInput, UploadTicket } from "./file.types.js";
import type { FileRecord } from "./file.types.js";

@Resolver(() => File)
export class FileResolver {
  constructor(private readonly service: FileService) {}

  @Query(() => FileConnection, {
    complexity: 10, // query cost: one S3 list per page
    description:
      "Admins: any scope/customer. Customers: their own folder plus general files. Newest first.",
  })
  files(
    @Arg("first", () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("scope", () => FileScope, { nullable: true }) scope: FileScope | null,
    @Arg("customerId", () => ID, { nullable: true }) customerId: string | null,
    @Ctx() ctx: Context,
  ): Promise<FilePage> {
    return this.service.list(ctx.viewer, { first, after, scope, customerId });
  }

  @Query(() => File, {
    complexity: 5, // query cost: an S3 HEAD
    nullable: true,
    description: "Null when it does not exist or the viewer may not see it",
  })
  file(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<FileRecord | null> {
    return this.service.get(ctx.loaders.heads, ctx.viewer, id);
  }

  @Mutation(() => UploadTicket, {
    description: "Admins: any folder. Customers: only their own folder (scope CUSTOMER).",
  })
  requestUpload(
    @Arg("input", () => RequestUploadInput) input: RequestUploadInput,
    @Ctx() ctx: Context,
  ): Promise<Ticket> {
    return this.service.requestUpload(ctx.viewer, input, ctx.log);
  }

  @Mutation(() => ID, { description: "Returns the deleted file's id" })
  deleteFile(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<string> {
    return this.service.delete(ctx.viewer, id, ctx.log);
  }

  @FieldResolver(() => String, {
    complexity: 2, // query cost: an S3 HEAD
    nullable: true,
    description: "Content type recorded at upload (may cost a HEAD request; ask only when needed)",
  })
  contentType(@Root() file: FileRecord, @Ctx() ctx: Context): Promise<string | null> {
    return this.service.contentType(ctx.loaders.heads, file);
  }

  @FieldResolver(() => String, {
    complexity: 2, // query cost: a signature
    description: "Short-lived presigned GET URL that downloads the file under its original name",
  })
  downloadUrl(@Root() file: FileRecord): Promise<string> {
    return this.service.downloadUrl(file);
  }

  @FieldResolver(() => String, {
    complexity: 2, // query cost: an S3 HEAD
    nullable: true,
    description: "Who uploaded it (user id or email) — admin only",
  })
  uploadedBy(@Root() file: FileRecord, @Ctx() ctx: Context): Promise<string | null> {
    return this.service.uploadedBy(ctx.loaders.heads, file);
  }

  @FieldResolver(() => Customer, {
    complexity: 2, // query cost: a Cognito lookup
    nullable: true,
    description: "The owning customer's profile — admin only",
  })
  async customer(@Root() file: FileRecord, @Ctx() ctx: Context): Promise<CustomerRecord | null> {
    const id = file.customerId;
    // One cached lookup per distinct customer, however many files of the response name it.
    return id ? customerFrom(await ctx.loaders.users.load(id), id) : null;
  }
}

@Resolver(() => Customer)
export class CustomerFilesResolver {
  constructor(private readonly service: FileService) {}

  @FieldResolver(() => FileConnection, {
    complexity: 10, // query cost: one S3 list per customer
    description: "Files in this customer's own folder (not general files), newest first",
  })
  files(
    @Root() customer: CustomerRecord,
    @Arg("first", () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<FilePage> {
    return this.service.list(ctx.viewer, { first, after, customerId: customer.id });
  }
}
