/**
 * A small browser client of the API, bundled with esbuild for the end-to-end test: Apollo Client
 * with the generated typed documents, an upload that PUTs the picked file straight to S3 through
 * the presigned URL, and the file list with download links. Plain DOM, no framework.
 * The API's URL comes from the page's query string: index.html?api=http://127.0.0.1:4000
 */
import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import {
  FilesDocument,
  MeDocument,
  RequestUploadDocument,
  SignInDocument,
} from "../../../src/client/index.js";

// The project's tsconfig has no DOM library (it would change timer types in Node code), so the
// few browser APIs this page uses are described here.
interface PickedFile {
  readonly name: string;
  readonly size: number;
  readonly type: string;
}
interface Elem {
  textContent: string | null;
  value: string;
  href: string;
  readonly files: ArrayLike<PickedFile> | null;
  readonly dataset: Record<string, string | undefined>;
  addEventListener(type: string, listener: (event: { preventDefault(): void }) => void): void;
  append(...nodes: (Elem | string)[]): void;
  replaceChildren(...nodes: Elem[]): void;
}
interface BrowserGlobals {
  readonly document: {
    getElementById(id: string): Elem | null;
    createElement(tag: string): Elem;
  };
  readonly location: { readonly search: string };
}
const { document, location } = globalThis as unknown as BrowserGlobals;

function el(id: string): Elem {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found;
}

const api = new URLSearchParams(location.search).get("api") ?? "http://localhost:4000";
let token: string | null = null;

const client = new ApolloClient({
  link: new SetContextLink(({ headers }) => ({
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  })).concat(new HttpLink({ uri: `${api}/graphql` })),
  cache: new InMemoryCache(),
});

/** Shows the outcome of the last action; the test waits on #status. */
function status(text: string, state: "ok" | "error" | "busy") {
  const s = el("status");
  s.textContent = text;
  s.dataset.state = state;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function signIn(email: string, password: string) {
  const { data } = await client.mutate({
    mutation: SignInDocument,
    variables: { email, password },
  });
  const result = data?.signIn;
  if (result?.__typename !== "AuthTokens") {
    throw new Error("A new password is required; this page does not set one");
  }
  token = result.accessToken;
  await client.clearStore();
  const me = await client.query({ query: MeDocument, fetchPolicy: "network-only" });
  if (!me.data) throw new Error("No viewer");
  el("viewer").textContent = `${me.data.me.email ?? me.data.me.id} (${me.data.me.role})`;
}

async function listFiles() {
  const { data } = await client.query({
    query: FilesDocument,
    variables: { first: 50 },
    fetchPolicy: "network-only",
  });
  const items = (data?.files.edges ?? []).map(({ node }) => {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = node.downloadUrl;
    link.textContent = node.name;
    link.dataset.fileId = node.id;
    li.append(
      link,
      ` ${node.size} bytes, ${node.scope}${node.customerId ? ` of ${node.customerId}` : ""}`,
    );
    return li;
  });
  el("files").replaceChildren(...items);
  return items.length;
}

async function upload(file: PickedFile, customerId: string) {
  const { data } = await client.mutate({
    mutation: RequestUploadDocument,
    variables: {
      input: {
        filename: file.name,
        contentType: file.type || "application/octet-stream",
        size: file.size,
        ...(customerId ? { customerId } : {}),
      },
    },
  });
  if (!data) throw new Error("No upload ticket");
  const ticket = data.requestUpload;
  // Straight to S3: a cross-origin PUT, so the browser sends a CORS preflight first.
  const res = await fetch(ticket.url, {
    method: ticket.method,
    headers: Object.fromEntries(ticket.headers.map((h) => [h.name, h.value])),
    body: file as unknown as Blob,
  });
  if (!res.ok) throw new Error(`S3 answered HTTP ${res.status}`);
  return ticket.fileId;
}

el("sign-in").addEventListener("submit", (event) => {
  event.preventDefault();
  status("Signing in…", "busy");
  signIn(el("email").value, el("password").value)
    .then(() => listFiles())
    .then((n) => status(`Signed in; ${n} files`, "ok"))
    .catch((err: unknown) => status(`Sign-in failed: ${message(err)}`, "error"));
});

el("upload").addEventListener("submit", (event) => {
  event.preventDefault();
  const file = el("file").files?.[0];
  if (!file) return status("Pick a file first", "error");
  status(`Uploading ${file.name}…`, "busy");
  upload(file, el("customer-id").value.trim())
    .then(async (fileId) => {
      const n = await listFiles();
      status(`Uploaded ${file.name} as ${fileId}; ${n} files`, "ok");
    })
    .catch((err: unknown) => status(`Upload failed: ${message(err)}`, "error"));
});
