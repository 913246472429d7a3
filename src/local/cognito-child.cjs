"use strict";
/**
 * Runs cognito-local in a process of its own, forked by src/local/stack.ts (plain CommonJS so
 * it runs unchanged from the tsc build and from vitest on the sources).
 *
 * Expects: cwd = the folder holding `.cognito/` (cognito-local fixes its data dir to
 * `<cwd>/.cognito`), env PORT and HOST (read by cognito-local when it loads), an IPC channel,
 * and LOCAL_STACK_CHILD_VERBOSE=1 for request logs. Reports `{ type: "ready", port }` or
 * `{ type: "failed", message, code }` to the parent. Exits on SIGTERM and when the IPC channel
 * closes (the parent died, even by SIGKILL).
 */

// cognito-local loads aws-sdk v2, which prints an end-of-support notice; must be set before it loads.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = "1";

const Module = require("node:module");
const path = require("node:path");
const { createRequire } = Module;
const { childLifecycle, replaceFileSync } = require("./child-lifecycle.cjs");

const lifecycle = childLifecycle("cognito-child.cjs");

const verbose = process.env.LOCAL_STACK_CHILD_VERBOSE === "1";
// pino is cognito-local's own dependency; resolve it from there rather than from the project.
const cognitoRequire = createRequire(require.resolve("cognito-local/package.json"));
const pino = cognitoRequire("pino");

/** Puts `exports` in the module cache as the module at `file`: a later require() gets them. */
function preload(file, exports) {
  const stand = new Module(file, module);
  stand.filename = file;
  stand.paths = Module._nodeModulePaths(path.dirname(file));
  stand.exports = exports;
  stand.loaded = true;
  require.cache[file] = stand;
}

// cognito-local loads the whole of aws-sdk v2, whose entry point loads every one of its 400-odd
// service clients (a third of this process's start-up), and uses two: Lambda (triggers) and KMS
// (custom sender keys). Its `require("aws-sdk")` gets the SDK's core with Lambda, loaded the
// way the SDK's own entry point loads each client; KMS is loaded with the crypto service below.
const awsSdkEntry = cognitoRequire.resolve("aws-sdk");
const awsSdkRequire = createRequire(awsSdkEntry);
awsSdkRequire("../clients/lambda");
preload(awsSdkEntry, awsSdkRequire("./core"));

// Its crypto service encrypts codes for a custom email sender trigger, which the portal never
// configures, and loads the AWS Encryption SDK and its dependencies when it loads, a large part of
// this process's start-up: the service is loaded at its first use instead.
const cryptoFile = cognitoRequire.resolve("./lib/services/crypto.js");
preload(cryptoFile, {
  CryptoService: class LazyCryptoService {
    constructor(config) {
      this.config = config;
    }
    encrypt(ctx, plaintext) {
      if (!this.real) {
        awsSdkRequire("../clients/kms");
        const loaded = new Module(cryptoFile, module);
        loaded.load(cryptoFile);
        this.real = new loaded.exports.CryptoService(this.config);
      }
      return this.real.encrypt(ctx, plaintext);
    }
  },
});

// cognito-local writes a user pool's whole JSON file on every change and answers only when the
// write is done, through JSON.stringify with a replacer function (called for every key, to turn
// `…Date` fields into ISO strings) and indentation: most of its CPU time under load. Here the
// answer comes from memory at once and the file is written 20 ms later with the latest state
// (one write for all the changes in between), beside the file and renamed over it, so a reader
// never sees half a file; what is not yet written when the process exits (SIGTERM, the parent
// gone) is written then. Writes are synchronous: none is ever in flight at exit. JSON.stringify
// alone writes the same ISO strings (Date#toJSON); reading keeps cognito-local's own reviver.
const { setTimeout } = require("node:timers");
const WRITE_BEHIND_MS = 20;
const StormDB = cognitoRequire("stormdb");
const LocalFileEngine = StormDB.localFileEngine;
/** Engines with changes not yet written. */
const unwritten = new Set();
StormDB.localFileEngine = class WriteBehindEngine extends LocalFileEngine {
  constructor(file, options) {
    super(file, options);
    this.serialize = (data) => JSON.stringify(data);
  }
  write(data) {
    this.latest = data;
    if (!unwritten.has(this)) {
      unwritten.add(this);
      setTimeout(() => this.flush(), WRITE_BEHIND_MS);
    }
    return Promise.resolve();
  }
  flush() {
    if (!unwritten.delete(this)) return;
    replaceFileSync(this.path, this.serialize(this.latest));
  }
};
process.on("exit", () => {
  // flush() deletes the engine it writes: a Set's iteration goes on past a deleted entry.
  for (const engine of unwritten) engine.flush();
});

// It signs every token with its private key as PEM text, which jsonwebtoken parses again each
// time: parsed once here.
const jwt = cognitoRequire("jsonwebtoken");
const { createPrivateKey } = require("node:crypto");
const parsedKeys = new Map();
const jwtSign = jwt.sign;
jwt.sign = (payload, key, ...rest) => {
  if (typeof key === "string" && key.includes("PRIVATE KEY")) {
    if (!parsedKeys.has(key)) parsedKeys.set(key, createPrivateKey(key));
    key = parsedKeys.get(key);
  }
  return jwtSign(payload, key, ...rest);
};

const { createDefaultServer } = cognitoRequire("./lib/server/defaults.js");

// Its debug level also dumps whole data stores (users, passwords) on every write: let through
// only the per-request lines, and only when asked to.
const REQUEST_MESSAGES = new Set(["request completed", "request errored"]);
const logger = pino({
  level: verbose ? "debug" : "warn",
  base: undefined,
  hooks: {
    logMethod(args, method, level) {
      if (level < 30) {
        const msg = args.find((a) => typeof a === "string");
        if (!REQUEST_MESSAGES.has(msg)) return;
      }
      method.apply(this, args);
    },
  },
});

// Two checks cognito-local skips and AWS makes, put back in front of InitiateAuth so the local
// stack is no easier to get into than AWS: a password — a temporary one included — is checked
// before any challenge (cognito-local answers NEW_PASSWORD_REQUIRED to any password), and a
// disabled user gets no tokens (cognito-local ignores the flag). The API checks both itself as
// well; these keep clients that talk to the stand-in directly honest too.
const { Targets } = cognitoRequire("./lib/targets/targets.js");
const { NotAuthorizedError } = cognitoRequire("./lib/errors.js");
const initiateAuth = Targets.InitiateAuth;
Targets.InitiateAuth = (services) => {
  const original = initiateAuth(services);
  return async (ctx, req) => {
    const pool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
    const params = req.AuthParameters ?? {};
    const user =
      req.AuthFlow === "USER_PASSWORD_AUTH" && params.USERNAME
        ? await pool.getUserByUsername(ctx, params.USERNAME)
        : req.AuthFlow === "REFRESH_TOKEN_AUTH" && params.REFRESH_TOKEN
          ? await pool.getUserByRefreshToken(ctx, params.REFRESH_TOKEN)
          : null;
    if (user && req.AuthFlow === "USER_PASSWORD_AUTH" && user.Password !== params.PASSWORD)
      throw new NotAuthorizedError("Incorrect username or password.");
    if (user && user.Enabled === false) throw new NotAuthorizedError("User is disabled.");
    return original(ctx, req);
  };
};

createDefaultServer(logger)
  .then((s) => s.start())
  .then((httpServer) => lifecycle.ready(httpServer))
  .catch((err) => lifecycle.failed(err));
