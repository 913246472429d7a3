import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { lexicographicSortSchema, printSchema } from "graphql";
import type { ContainerType } from "type-graphql";
import { buildSchema } from "type-graphql";
import { AccountResolver } from "./account/account.resolver.js";
import { AuthResolver } from "./auth/auth.resolver.js";
import { CustomerResolver, ViewerCustomerResolver } from "./customers/customer.resolver.js";
import { CustomerFilesResolver, FileResolver } from "./files/file.resolver.js";
import { MultipartResolver } from "./files/multipart.resolver.js";

/** Every resolver class of the API. */
export const RESOLVERS = [
  AuthResolver,
  AccountResolver,
  CustomerResolver,
  ViewerCustomerResolver,
  FileResolver,
  CustomerFilesResolver,
  MultipartResolver,
] as const;

export type ResolverClass = (typeof RESOLVERS)[number];

/**
 * Builds the executable schema from the type-graphql classes. `container` hands out resolver
 * instances with their services; without one (emitting schema.graphql) nothing is executed.
 */
export async function buildAppSchema(container?: ContainerType): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    ...(container ? { container } : {}),
    validate: false,
    emitSchemaFile: false,
    // type-graphql's check runs the whole introspection query over the new schema; Apollo Server
    // validates the schema (assertValidSchema) when it is built, so the check only cost start-up.
    skipCheck: true,
  });
}

export const SCHEMA_HEADER =
  "# Generated from the type-graphql classes in src/ by `npm run emit-schema`. Do not edit.\n" +
  "# This file is the API's contract: `npm test` fails when the code drifts from it.\n\n";

export function printAppSchema(schema: GraphQLSchema): string {
  return SCHEMA_HEADER + printSchema(lexicographicSortSchema(schema)) + "\n";
}

/** A container that serves pre-built resolver instances (services injected by the caller). */
export function instanceContainer(instances: readonly object[]): ContainerType {
  const byClass = new Map<unknown, object>(instances.map((i) => [i.constructor, i]));
  return {
    get(cls: unknown) {
      const inst = byClass.get(cls);
      if (!inst)
        throw new Error(
          `No instance registered for resolver ${String((cls as { name?: string }).name)}`,
        );
      return inst;
    },
  };
}
