import { runFiles } from "../helpers/run-files.js";
import { buildWebAppOnce } from "../helpers/web-build.js";

/** The web app for the test/web files, built once by Vite before they run (not once per file). */
export async function setup(project: { provide(key: "webDir", value: string): void }) {
  const files = runFiles(project);
  if (files && !files.some((file) => /[\\/]test[\\/]web[\\/]/.test(file))) return;
  const started = Date.now();
  project.provide("webDir", await buildWebAppOnce());
  process.stderr.write(`web app built in ${Date.now() - started} ms\n`);
}
