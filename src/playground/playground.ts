import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The offline GraphQL playground: GraphiQL 3 (its UMD bundle) on React 18, every file served by
 * the API itself from the project's own dependencies. Nothing is fetched from a CDN, so the
 * playground works on a machine with no internet. Served only when the `playground` setting is
 * on (default: on unless NODE_ENV=production).
 */
export interface Playground {
  /** The page served at GET /graphql to browsers. */
  readonly playgroundHtml: () => string;
  /** Its scripts and stylesheet, by URL path. */
  readonly assets: ReadonlyMap<string, { type: string; body: Buffer }>;
}

/** URL prefix of the playground's files. */
export const PLAYGROUND_PREFIX = "/playground/";

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** [URL file name, package, file inside the package, content type] */
const FILES: readonly (readonly [string, string, string, string])[] = [
  ["react.production.min.js", "react", "umd/react.production.min.js", JS],
  ["react-dom.production.min.js", "react-dom", "umd/react-dom.production.min.js", JS],
  ["graphiql.min.js", "graphiql", "graphiql.min.js", JS],
  ["graphiql.min.css", "graphiql", "graphiql.min.css", CSS],
];

const DEFAULT_QUERY = `# Customer file portal API.
#
# 1. Sign in with the form above (the local stack prints
#    the admin's email and password when it starts): it sets
#    the Authorization header below for you.
# 2. Run Me (the Run button). Docs (top left) lists every
#    type and field; Ctrl-Space completes fields as you type.
#
# Nothing typed here is kept by the browser: close the tab
# and it is gone.

query Me {
  me {
    id
    email
    role
  }
}
`;

const SIGN_IN = `mutation PlaygroundSignIn($email: String!, $password: String!) {
  signIn(email: $email, password: $password) {
    __typename
    ... on AuthTokens { accessToken expiresIn }
  }
}`;

// Runs in the browser. The endpoint is this page's own URL, so the playground also works behind
// a reverse proxy that serves the API under another path.
const INIT_JS = `"use strict";
(function () {
  var endpoint = window.location.origin + window.location.pathname;
  var fetcher = GraphiQL.createFetcher({ url: endpoint });
  // GraphiQL keeps its tabs, query history and editors in the storage it is given: this one
  // lives in memory and goes with the page, so no password or token typed here stays behind.
  var memory = new Map();
  var storage = {
    getItem: function (k) { return memory.has(k) ? memory.get(k) : null; },
    setItem: function (k, v) { memory.set(k, String(v)); },
    removeItem: function (k) { memory.delete(k); },
    clear: function () { memory.clear(); },
    get length() { return memory.size; },
  };
  var headers = "";
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  function render() {
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        defaultQuery: ${JSON.stringify(DEFAULT_QUERY)},
        defaultEditorToolsVisibility: "headers",
        shouldPersistHeaders: false,
        storage: storage,
        headers: headers,
      }),
    );
  }
  render();

  var form = document.getElementById("signin");
  var status = document.getElementById("signin-status");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var email = form.elements.email.value;
    var password = form.elements.password.value;
    form.elements.password.value = "";
    status.textContent = "Signing in…";
    fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: ${JSON.stringify(SIGN_IN)}, variables: { email: email, password: password } }),
    })
      .then(function (res) { return res.json(); })
      .then(function (body) {
        var result = body.data && body.data.signIn;
        if (result && result.accessToken) {
          headers = JSON.stringify({ Authorization: "Bearer " + result.accessToken }, null, 2);
          render();
          status.textContent = "Signed in as " + email + ": the Authorization header below is set (valid " +
            Math.round(result.expiresIn / 60) + " minutes).";
        } else if (result && result.__typename === "NewPasswordRequired") {
          status.textContent = "This account still has its temporary password: sign in to the web app once to choose your own.";
        } else {
          status.textContent = (body.errors && body.errors[0] && body.errors[0].message) || "Sign-in failed.";
        }
      }, function () {
        status.textContent = "Cannot reach the API.";
      });
  });
})();
`;

const HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>Customer file portal · GraphQL playground</title>
    <link rel="stylesheet" href="${PLAYGROUND_PREFIX}graphiql.min.css" />
    <style>
      html, body { height: 100%; margin: 0; }
      body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
      #signin { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; padding: 6px 12px; border-bottom: 1px solid #d5d9de; font-size: 14px; }
      #signin input { font: inherit; padding: 2px 6px; }
      #graphiql { flex: 1; min-height: 0; }
    </style>
  </head>
  <body>
    <form id="signin" aria-label="Sign in to the API">
      <strong>Sign in</strong>
      <label>Email <input name="email" type="email" autocomplete="username" required /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      <button type="submit">Sign in and set the header</button>
      <span id="signin-status" role="status"></span>
    </form>
    <div id="graphiql">Loading the GraphQL playground…</div>
    <script src="${PLAYGROUND_PREFIX}react.production.min.js"></script>
    <script src="${PLAYGROUND_PREFIX}react-dom.production.min.js"></script>
    <script src="${PLAYGROUND_PREFIX}graphiql.min.js"></script>
    <script src="${PLAYGROUND_PREFIX}init.js"></script>
  </body>
</html>
`;

/** The folder of an installed package (its package.json may not be exported). */
function packageDir(name: string): string {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    // react and react-dom export no package.json: walk up from their entry point.
    let dir = path.dirname(require.resolve(name));
    while (path.basename(dir) !== name.split("/").pop()) {
      const parent = path.dirname(dir);
      if (parent === dir) throw new Error(`Cannot find the folder of the package ${name}`);
      dir = parent;
    }
    return dir;
  }
}

/**
 * Loads the playground's files (about 1.5 MB) from node_modules once. Throws, naming the file,
 * when a dependency is missing, so a broken install fails at start rather than in a browser.
 */
export function loadPlayground(): Playground {
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const [file, pkg, inner, type] of FILES) {
    const full = path.join(packageDir(pkg), inner);
    let body: Buffer;
    try {
      body = readFileSync(full);
    } catch (err) {
      throw new Error(
        `The GraphQL playground needs ${pkg}/${inner} (${full}): ${String(err)}. ` +
          "Run npm install, or turn the playground off with GRAPHQL_PLAYGROUND=false.",
        { cause: err },
      );
    }
    if (type === JS) body = stripSourceMap(body);
    assets.set(PLAYGROUND_PREFIX + file, { type, body });
  }
  assets.set(PLAYGROUND_PREFIX + "init.js", { type: JS, body: Buffer.from(INIT_JS) });
  return { playgroundHtml: () => HTML, assets };
}

/** Drops a trailing sourceMappingURL comment: the maps are not served. */
function stripSourceMap(body: Buffer): Buffer {
  const tail = body.subarray(Math.max(0, body.length - 300)).toString("latin1");
  const at = tail.lastIndexOf("//# sourceMappingURL=");
  return at < 0 ? body : body.subarray(0, body.length - tail.length + at);
}
