// type-graphql's decorators need the Reflect metadata API loaded before any schema class.
import "reflect-metadata";

// The AWS SDK's notice about Node versions is printed once per run, by the main process (the
// shared stack's seeding loads the SDK there); in every test worker it would repeat. Every other
// process warning is printed as Node would.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (warning.message.startsWith("NodeVersionSupportWarning")) return;
  process.stderr.write(`${warning.stack ?? `${warning.name}: ${warning.message}`}\n`);
});
