import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import type { StoredPart } from "../aws/s3-store.js";
import type { Context } from "../auth/context.js";
import { File, RequestUploadInput } from "./file.types.js";
import type { FileRecord } from "./file.types.js";
import type { MultipartService, SignedPart, StartedUpload } from "./multipart.service.js";
import {
  CompletedPartInput,
  MultipartUpload,
  UploadPart,
  UploadedPart,
} from "./multipart.types.js";

@Resolver()
export class MultipartResolver {
  constructor(private readonly service: MultipartService) {}

  @Mutation(() => MultipartUpload, {
    description:
      "Starts a multipart upload (any size up to 5 TiB; resumable). Same input and rules as requestUpload, " +
      "except checksumSha256, which is refused. Admins: any folder. Customers: their own folder.",
  })
  startMultipartUpload(
    @Arg("input", () => RequestUploadInput) input: RequestUploadInput,
    @Ctx() ctx: Context,
  ): Promise<StartedUpload> {
    return this.service.start(ctx.viewer, input, ctx.log);
  }

  @Mutation(() => [UploadPart], {
    description: "Presigned PUT URLs for up to 100 parts of an upload in progress",
  })
  signUploadParts(
    @Arg("fileId", () => ID) fileId: string,
    @Arg("uploadId", () => String) uploadId: string,
    @Arg("partNumbers", () => [Int]) partNumbers: number[],
    @Ctx() ctx: Context,
  ): Promise<SignedPart[]> {
    return this.service.sign(ctx.viewer, fileId, uploadId, partNumbers);
  }

  @Mutation(() => File, {
    description: "Assembles the parts (every one, with the ETag S3 returned for it) into the file",
  })
  completeMultipartUpload(
    @Arg("fileId", () => ID) fileId: string,
    @Arg("uploadId", () => String) uploadId: string,
    @Arg("parts", () => [CompletedPartInput]) parts: CompletedPartInput[],
    @Ctx() ctx: Context,
  ): Promise<FileRecord> {
    return this.service.complete(ctx.viewer, fileId, uploadId, parts, ctx.log);
  }

  @Mutation(() => Boolean, {
    description: "Cancels an upload in progress; S3 deletes the parts it holds",
  })
  abortMultipartUpload(
    @Arg("fileId", () => ID) fileId: string,
    @Arg("uploadId", () => String) uploadId: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return this.service.abort(ctx.viewer, fileId, uploadId, ctx.log);
  }

  @Query(() => [UploadedPart], {
    description: "The parts S3 holds for an upload in progress, ascending (to resume it)",
  })
  uploadedParts(
    @Arg("fileId", () => ID) fileId: string,
    @Arg("uploadId", () => String) uploadId: string,
    @Ctx() ctx: Context,
  ): Promise<StoredPart[]> {
    return this.service.listParts(ctx.viewer, fileId, uploadId);
  }
}
