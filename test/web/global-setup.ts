import { buildWebAppOnce } from "../helpers/web-build.js";

/** The browser project's web app, built once by Vite before its files run (not once per file). */
export async function setup(project: { provide(key: "webDir", value: string): void }) {
  const started = Date.now();
  project.provide("webDir", await buildWebAppOnce());
  process.stderr.write(`web app built in ${Date.now() - started} ms\n`);
}
