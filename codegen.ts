import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * Typed document nodes for Apollo Client (or any TypedDocumentNode-aware client) from the
 * emitted schema and the operations in src/client/operations. `npm run codegen` writes
 * src/client/generated/; `npm run check:codegen` regenerates into a temporary folder (set through
 * CODEGEN_OUT_DIR) and fails when the committed files differ. Reads local files only.
 */
const outDir = process.env.CODEGEN_OUT_DIR ?? "src/client/generated/";

const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["src/client/operations/**/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    [outDir.endsWith("/") ? outDir : `${outDir}/`]: {
      preset: "client",
      presetConfig: {
        // Result types carry every field, fragments included: no unmasking step in components.
        fragmentMasking: false,
      },
      config: {
        useTypeImports: true,
        strictScalars: true,
        scalars: {
          // Both arrive as JSON: an ISO 8601 string and a number up to 2^53 - 1.
          DateTimeISO: "string",
          SafeInt: "number",
        },
      },
    },
  },
  silent: true,
};

export default config;
