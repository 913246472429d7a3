// `npm start`: builds what changed since the last build (server and web app), then runs the API.
// The API runs in a child process that gets every stop signal this process gets, so a SIGTERM to
// `npm start` (npm passes it on to this script) stops the API, which stops the local stand-ins.
import { spawn } from "node:child_process";
import path from "node:path";
import { buildParts } from "./build.mjs";

const root = path.resolve(import.meta.dirname, "..", "..");

try {
  await buildParts(["server", "web"], { ifStale: true });
} catch (err) {
  process.stderr.write(
    `npm start: the build failed: ${err instanceof Error ? err.message : err}\n`,
  );
  process.exit(1);
}

const api = spawn(process.execPath, ["--enable-source-maps", path.join(root, "dist", "main.js")], {
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(signal, () => {
    // Ctrl-C reaches the whole process group; the API handles a second signal as the same stop.
    if (api.exitCode === null) api.kill(signal);
  });
api.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
