import { chmod, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

/** What the local stack remembers between starts, in `<dataDir>/local-stack.json` (mode 0600). */
export interface LocalStackState {
  userPoolId?: string;
  clientId?: string;
  /** The app client's secret (the client is confidential, as on AWS). */
  clientSecret?: string;
  /** The server secret (base64) that seals sessions, links, cursors, ids and upload handles. */
  sessionSecret?: string;
  adminUsername?: string;
  /** The admin's current password: generated on first start, or the last LOCAL_ADMIN_PASSWORD. */
  adminPassword?: string;
  /** Ports of the last run, tried first so endpoints (and token issuers) stay put across runs. */
  cognitoPort?: number;
  s3Port?: number;
  sesPort?: number;
}

export const STATE_FILE = "local-stack.json";

export function stateFile(dataDir: string): string {
  return path.join(dataDir, STATE_FILE);
}

const STRING_KEYS = [
  "userPoolId",
  "clientId",
  "clientSecret",
  "sessionSecret",
  "adminUsername",
  "adminPassword",
] as const;
const PORT_KEYS = ["cognitoPort", "s3Port", "sesPort"] as const;

export async function readState(dataDir: string): Promise<LocalStackState> {
  const file = stateFile(dataDir);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // Guessing would seed a second pool and orphan the first: let a person decide.
    throw new Error(
      `${file} is not valid JSON (${(err as Error).message}); fix it, or delete it to seed a new user pool`,
    );
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Error(
      `${file} should hold a JSON object; fix it, or delete it to seed a new user pool`,
    );
  const stored = raw as Record<string, unknown>;
  const state: LocalStackState = {};
  for (const key of STRING_KEYS) {
    const value = stored[key];
    if (typeof value === "string" && value !== "") state[key] = value;
  }
  for (const key of PORT_KEYS) {
    const value = stored[key];
    if (typeof value === "number" && Number.isInteger(value) && value > 0 && value < 65536)
      state[key] = value;
  }
  return state;
}

/** Atomic replace (write + rename), owner-only: the file holds the admin's password and secrets. */
export async function writeState(dataDir: string, state: LocalStackState): Promise<void> {
  const file = stateFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  await chmod(tmp, 0o600); // mode above is masked by the umask
  await rename(tmp, file);
}
