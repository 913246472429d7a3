/**
 * The test files of this run, as vitest's state lists them when a global setup runs (it collects
 * them first), or undefined when this vitest does not say. The global setups use it only to skip
 * work that no file of the run needs: a file whose setup was skipped still works (on a private
 * stack, with a web build of its own), so a wrong answer here costs time, never a result.
 */
export function runFiles(project: unknown): string[] | undefined {
  const vitest = (project as { vitest?: { state?: { getPaths?: () => unknown } } }).vitest;
  const paths = vitest?.state?.getPaths?.();
  return Array.isArray(paths) && paths.length > 0 ? paths.map(String) : undefined;
}
