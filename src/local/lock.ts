import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";

export const LOCK_FILE = "local-stack.lock";

/** What a running stack writes in its lock file, so tools can reach it instead of starting one. */
export interface LockInfo {
  pid: number;
  cognitoEndpoint?: string;
  s3Endpoint?: string;
  userPoolId?: string;
  clientId?: string;
}

/**
 * Raised when another live process runs a local stack on the same data folder: two
 * cognito-local instances on one folder silently lose each other's writes.
 */
export class LocalStackInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    super(
      `The local stack in ${dataDir} is already running in process ${holder.pid} (is \`npm start\` running?). ` +
        "Stop that process, or set LOCAL_DATA_DIR to another folder.",
    );
    this.name = "LocalStackInUseError";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function readLock(dataDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(
      readFileSync(path.join(dataDir, LOCK_FILE), "utf8"),
    ) as Partial<LockInfo>;
    return typeof info.pid === "number" ? (info as LockInfo) : undefined;
  } catch {
    return undefined;
  }
}

export interface DataDirLock {
  /** Records the running stack's endpoints for other tools. */
  update(info: Omit<LockInfo, "pid">): void;
  release(): void;
}

/** Takes `<dataDir>/local-stack.lock`; a lock left by a dead process is taken over. */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  let taken = false;
  for (let attempt = 0; attempt < 3 && !taken; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid }));
      closeSync(fd);
      taken = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = readLock(dataDir);
      if (holder && alive(holder.pid)) throw new LocalStackInUseError(dataDir, holder);
      rmSync(file, { force: true }); // stale: its process died without releasing it
    }
  }
  if (!taken) throw new Error(`Could not take the lock ${file}; try again`);
  let released = false;
  return {
    update(info) {
      if (!released)
        writeFileSync(file, JSON.stringify({ pid: process.pid, ...info }), { mode: 0o600 });
    },
    release() {
      if (released) return;
      released = true;
      // Only remove our own lock, never one a later holder took over.
      if (readLock(dataDir)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}
