/**
 * The typed GraphQL client of the customer file portal: one TypedDocumentNode per operation in
 * src/client/operations (e.g. `FilesDocument`, `SignInDocument`), their result and variable types
 * (`FilesQuery`, `FilesQueryVariables`), the fragments' types and the schema's enums and inputs.
 * Generated from schema.graphql by `npm run codegen`; use with Apollo Client's `useQuery`,
 * `useMutation` or `client.query`, or any client that accepts a DocumentNode.
 */
export * from "./generated/graphql.js";
