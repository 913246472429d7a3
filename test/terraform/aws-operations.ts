import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

/**
 * Which AWS operations can the deployed code send, and which IAM actions do they need?
 *
 * Approach: parse every src/**\/*.ts file with the TypeScript compiler (so comments and
 * strings cannot fool it) and collect the AWS SDK v3 command classes it uses: every
 * `new XCommand(...)` (also `new ns.XCommand(...)`) and every value import of an `XCommand`
 * from an `@aws-sdk/*` package, whether or not it is constructed right there. Imports tell
 * which service a command belongs to. Optionally, `src/aws/operations.ts` may export
 * `AWS_OPERATIONS` (command names, with or without the "Command" suffix) for calls made in
 * ways a scan cannot see; its entries are added to the scanned ones.
 *
 * Not scanned, because the Lambda role never sends their calls:
 * - src/local/**: the embedded local stack (emulators, seeding);
 * - src/cli/**: operator commands such as create-admin, run with the operator's credentials;
 * - any file containing the comment marker `iam-consistency: not-deployed`;
 * - *.test.ts and *.d.ts.
 *
 * Guard rails: aggregated clients (`new S3(...)`, `new CognitoIdentityProvider(...)`, whose
 * method calls carry no command class) and @aws-sdk/lib-storage are reported as problems.
 */

export type AwsService = "s3" | "cognito-idp" | "ssm" | "ses";

export const SDK_MODULE_SERVICES: Readonly<Record<string, AwsService>> = {
  "@aws-sdk/client-s3": "s3",
  "@aws-sdk/client-cognito-identity-provider": "cognito-idp",
  "@aws-sdk/client-ssm": "ssm",
  "@aws-sdk/client-sesv2": "ses",
};

/** S3 command -> IAM actions (S3's are not named after the API operations). */
export const S3_COMMAND_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  PutObject: ["s3:PutObject"],
  GetObject: ["s3:GetObject"],
  HeadObject: ["s3:GetObject"],
  ListObjectsV2: ["s3:ListBucket"],
  DeleteObject: ["s3:DeleteObject"],
  CreateMultipartUpload: ["s3:PutObject"],
  UploadPart: ["s3:PutObject"],
  CompleteMultipartUpload: ["s3:PutObject"],
  AbortMultipartUpload: ["s3:AbortMultipartUpload"],
  ListParts: ["s3:ListMultipartUploadParts"],
};

/**
 * SSM and SES v2 commands -> IAM actions. Only the ones the design names: reading the two
 * secret parameters at start, and sending email (SES v2 SendEmail is authorised as
 * ses:SendEmail on the sender identity).
 */
export const SSM_COMMAND_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  GetParameters: ["ssm:GetParameters"],
};
export const SES_COMMAND_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  SendEmail: ["ses:SendEmail"],
};

/**
 * Cognito operations authorised by the app client (its secret) or the user's own token, not by
 * IAM. Every other Cognito command X needs cognito-idp:X.
 */
export const COGNITO_PUBLIC_COMMANDS: ReadonlySet<string> = new Set([
  "InitiateAuth",
  "RespondToAuthChallenge",
  "RevokeToken",
  "GetUser",
  "ChangePassword",
  "AssociateSoftwareToken",
  "VerifySoftwareToken",
  "SetUserMFAPreference",
]);

/** Cognito admin commands the design names; used only to place a command whose import is not from the SDK. */
export const COGNITO_KNOWN_ADMIN_COMMANDS: ReadonlySet<string> = new Set([
  "AdminCreateUser",
  "AdminGetUser",
  "AdminUpdateUserAttributes",
  "AdminDisableUser",
  "AdminEnableUser",
  "AdminSetUserPassword",
  "AdminDeleteUser",
  "AdminAddUserToGroup",
  "AdminUserGlobalSignOut",
  "ListUsers",
  "ListUsersInGroup",
  "DescribeUserPool",
]);

/**
 * Actions the Lambda service needs the role for (writing the function's logs, sending its X-Ray
 * trace segments); no SDK command in src/ sends them.
 */
export const RUNTIME_ACTIONS: ReadonlySet<string> = new Set([
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
]);

const AGGREGATED_CLIENTS = new Set(["S3", "CognitoIdentityProvider"]);
const UNSCANNABLE_MODULES = new Set(["@aws-sdk/lib-storage"]);
export const NOT_DEPLOYED_MARKER = "iam-consistency: not-deployed";
export const EXCLUDED_DIRS: readonly string[] = ["local", "cli"];

export interface CommandUse {
  /** Operation name, without the "Command" suffix: "PutObject". */
  readonly operation: string;
  /** The @aws-sdk module it was imported from, when the scan could tell. */
  readonly module?: string;
  readonly file: string;
  readonly line: number;
}

export interface ScanResult {
  readonly uses: readonly CommandUse[];
  /** Things the scan cannot account for; each fails the consistency test. */
  readonly problems: readonly string[];
}

/** Commands used by one source file. */
export function scanSource(source: string, file: string): ScanResult {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const uses: CommandUse[] = [];
  const problems: string[] = [];
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  /** Local name -> imported name and module, for value imports from @aws-sdk/*. */
  const imported = new Map<string, { name: string; module: string }>();
  /** Namespace import local name -> module. */
  const namespaces = new Map<string, string>();

  const addUse = (className: string, module: string | undefined, node: ts.Node) => {
    if (!className.endsWith("Command") || className === "Command") return;
    uses.push({
      operation: className.slice(0, -"Command".length),
      ...(module ? { module } : {}),
      file,
      line: lineOf(node),
    });
  };

  for (const stmt of sf.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
    const module = stmt.moduleSpecifier.text;
    if (!module.startsWith("@aws-sdk/")) continue;
    const clause = stmt.importClause;
    if (UNSCANNABLE_MODULES.has(module) && !clause?.isTypeOnly)
      problems.push(
        `${file}:${lineOf(stmt)}: imports ${module}, whose S3 calls a scan cannot see; list them in AWS_OPERATIONS (src/aws/operations.ts)`,
      );
    if (!clause || clause.isTypeOnly || !clause.namedBindings) continue;
    if (ts.isNamespaceImport(clause.namedBindings)) {
      namespaces.set(clause.namedBindings.name.text, module);
      continue;
    }
    for (const el of clause.namedBindings.elements) {
      if (el.isTypeOnly) continue;
      const name = (el.propertyName ?? el.name).text;
      imported.set(el.name.text, { name, module });
      if (AGGREGATED_CLIENTS.has(name) && Object.hasOwn(SDK_MODULE_SERVICES, module))
        problems.push(
          `${file}:${lineOf(el)}: imports the aggregated client ${name} from ${module}; use ${name === "S3" ? "S3Client" : "CognitoIdentityProviderClient"} with XCommand classes so the IAM consistency scan can see each call`,
        );
      addUse(name, module, el);
    }
  }

  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node)) {
      const callee = node.expression;
      if (ts.isIdentifier(callee)) {
        const imp = imported.get(callee.text);
        // Imported ones were counted at their import; count the rest (wrappers, re-exports).
        if (!imp) addUse(callee.text, undefined, node);
      } else if (ts.isPropertyAccessExpression(callee)) {
        const ns = ts.isIdentifier(callee.expression)
          ? namespaces.get(callee.expression.text)
          : undefined;
        addUse(callee.name.text, ns, node);
      }
    }
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0]) &&
      node.arguments[0].text.startsWith("@aws-sdk/")
    ) {
      // `const { XCommand, YClient } = await import("@aws-sdk/…")` names what it takes, as a
      // static import does; any other use of a dynamic import hides it.
      const module = node.arguments[0].text;
      const awaited = node.parent;
      const declaration = ts.isAwaitExpression(awaited) ? awaited.parent : undefined;
      if (
        declaration &&
        ts.isVariableDeclaration(declaration) &&
        declaration.initializer === awaited &&
        ts.isObjectBindingPattern(declaration.name) &&
        declaration.name.elements.every((el) => !el.dotDotDotToken && ts.isIdentifier(el.name))
      ) {
        for (const el of declaration.name.elements) {
          const name =
            el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName : el.name;
          if (ts.isIdentifier(name)) addUse(name.text, module, el);
        }
      } else
        problems.push(
          `${file}:${lineOf(node)}: dynamic import of ${module}; take its names as \`const { XCommand } = await import(…)\` or import it statically, so the IAM consistency scan can see its commands`,
        );
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { uses, problems };
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

/** The deployed source files of `srcDir`, relative to `root`, sorted. */
export function deployedSourceFiles(root: string, srcDir = "src"): string[] {
  const base = path.join(root, srcDir);
  return walk(base)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.endsWith(".test.ts"))
    .filter((f) => !EXCLUDED_DIRS.includes(path.relative(base, f).split(path.sep)[0] ?? ""))
    .filter((f) => !readFileSync(f, "utf8").includes(NOT_DEPLOYED_MARKER))
    .map((f) => path.relative(root, f).split(path.sep).join("/"))
    .sort();
}

/** Scans every deployed source file, plus AWS_OPERATIONS from src/aws/operations.ts if present. */
export async function scanProject(root: string): Promise<ScanResult & { files: string[] }> {
  const files = deployedSourceFiles(root);
  const uses: CommandUse[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const r = scanSource(readFileSync(path.join(root, file), "utf8"), file);
    uses.push(...r.uses);
    problems.push(...r.problems);
  }
  const listFile = path.join(root, "src", "aws", "operations.ts");
  if (existsSync(listFile)) {
    const mod = (await import(pathToFileURL(listFile).href)) as { AWS_OPERATIONS?: unknown };
    const list = mod.AWS_OPERATIONS;
    if (!Array.isArray(list) || !list.every((x): x is string => typeof x === "string"))
      problems.push("src/aws/operations.ts: AWS_OPERATIONS must be an array of command names");
    else
      for (const name of list)
        uses.push({
          operation: name.replace(/Command$/, ""),
          file: "src/aws/operations.ts",
          line: 0,
        });
  }
  return { files, uses, problems };
}

export type ActionsResult =
  | { readonly ok: true; readonly actions: readonly string[] }
  | { readonly ok: false; readonly problem: string };

/** IAM actions one command needs ([] for public Cognito calls), or why that is unknown. */
export function actionsFor(use: CommandUse): ActionsResult {
  const where = `${use.file}${use.line ? `:${use.line}` : ""}`;
  const fix =
    "grant the IAM action(s) in terraform/iam.tf and add the command to the mapping in test/terraform/aws-operations.ts";
  let service: AwsService | undefined;
  if (use.module !== undefined) {
    service = Object.hasOwn(SDK_MODULE_SERVICES, use.module)
      ? SDK_MODULE_SERVICES[use.module]
      : undefined;
    if (!service)
      return {
        ok: false,
        problem: `${where}: ${use.operation}Command from ${use.module}, a service this deployment grants nothing for: ${fix}`,
      };
  } else if (Object.hasOwn(S3_COMMAND_ACTIONS, use.operation)) service = "s3";
  else if (Object.hasOwn(SSM_COMMAND_ACTIONS, use.operation)) service = "ssm";
  else if (Object.hasOwn(SES_COMMAND_ACTIONS, use.operation)) service = "ses";
  else if (
    COGNITO_KNOWN_ADMIN_COMMANDS.has(use.operation) ||
    COGNITO_PUBLIC_COMMANDS.has(use.operation)
  )
    service = "cognito-idp";
  else
    return {
      ok: false,
      problem: `${where}: unknown AWS command ${use.operation}Command: ${fix}`,
    };

  const tables = { s3: S3_COMMAND_ACTIONS, ssm: SSM_COMMAND_ACTIONS, ses: SES_COMMAND_ACTIONS };
  if (service !== "cognito-idp") {
    const table = tables[service];
    const actions = Object.hasOwn(table, use.operation) ? table[use.operation] : undefined;
    return actions
      ? { ok: true, actions }
      : {
          ok: false,
          problem: `${where}: ${service} command ${use.operation}Command has no IAM mapping yet: ${fix}`,
        };
  }
  return COGNITO_PUBLIC_COMMANDS.has(use.operation)
    ? { ok: true, actions: [] }
    : { ok: true, actions: [`cognito-idp:${use.operation}`] };
}

export interface RequiredActions {
  /** IAM action -> the uses that need it. */
  readonly actions: ReadonlyMap<string, readonly CommandUse[]>;
  readonly problems: readonly string[];
}

export function requiredActions(uses: readonly CommandUse[]): RequiredActions {
  const actions = new Map<string, CommandUse[]>();
  const problems: string[] = [];
  for (const use of uses) {
    const r = actionsFor(use);
    if (!r.ok) {
      problems.push(r.problem);
      continue;
    }
    for (const a of r.actions) actions.set(a, [...(actions.get(a) ?? []), use]);
  }
  return { actions, problems };
}
