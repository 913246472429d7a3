import { readFile, readdir } from "node:fs/promises";
import path from "node:path";

/** One email as the local SES stand-in wrote it (`<dataDir>/mail/*.eml`, RFC 5322). */
export interface Mail {
  readonly file: string;
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The one-time link in the text part (`…/welcome#token=…` or `…/reset#token=…`). */
  readonly link: string | null;
  /** The token of that link. */
  readonly token: string | null;
}

/**
 * Messages already read, by path: the stand-in renames a message into place once it is whole,
 * so a file never changes after it appears. Many test files share one mail folder in a run.
 */
const parsed = new Map<string, Promise<Mail>>();

/** Every .eml in the folder, oldest first. */
export async function readMailbox(mailDir: string): Promise<Mail[]> {
  const names = (await readdir(mailDir).catch(() => [] as string[]))
    .filter((n) => n.endsWith(".eml"))
    .sort();
  return Promise.all(
    names.map((name) => {
      const file = path.join(mailDir, name);
      let mail = parsed.get(file);
      if (!mail) {
        mail = readMail(file);
        parsed.set(file, mail);
        mail.catch(() => parsed.delete(file));
      }
      return mail;
    }),
  );
}

/**
 * The newest email to `to` that is not one of `seen` (file names), waiting up to `timeoutMs`
 * (the stand-in writes the file just after it answers SendEmail).
 */
export async function nextMail(
  mailDir: string,
  to: string,
  seen: ReadonlySet<string> = new Set(),
  timeoutMs = 5000,
): Promise<Mail> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const fresh = (await readMailbox(mailDir)).filter((m) => m.to === to && !seen.has(m.file));
    if (fresh.length) return fresh[fresh.length - 1] as Mail;
    if (Date.now() > until) throw new Error(`no email to ${to} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** File names of the emails to `to` so far. */
export async function mailFiles(mailDir: string, to?: string): Promise<Set<string>> {
  return new Set((await readMailbox(mailDir)).filter((m) => !to || m.to === to).map((m) => m.file));
}

async function readMail(file: string): Promise<Mail> {
  const raw = (await readFile(file, "utf8")).replace(/\r\n/g, "\n");
  const [head = "", ...rest] = raw.split("\n\n");
  const headers = parseHeaders(head);
  const body = rest.join("\n\n");
  const boundary = /boundary="?([^";\n]+)"?/.exec(headers["content-type"] ?? "")?.[1];
  const parts = boundary
    ? body
        .split(`--${boundary}`)
        .slice(1, -1)
        .map((p) => {
          const [h = "", ...b] = p.replace(/^\n/, "").split("\n\n");
          return { headers: parseHeaders(h), body: b.join("\n\n") };
        })
    : [{ headers, body }];
  const part = (type: string) => {
    const p = parts.find((x) => (x.headers["content-type"] ?? "").startsWith(type));
    if (!p) return "";
    return /quoted-printable/i.test(p.headers["content-transfer-encoding"] ?? "")
      ? decodeQuotedPrintable(p.body)
      : /base64/i.test(p.headers["content-transfer-encoding"] ?? "")
        ? Buffer.from(p.body, "base64").toString("utf8")
        : p.body;
  };
  const text = part("text/plain");
  const link = /https?:\/\/\S+#token=[A-Za-z0-9_-]+/.exec(text)?.[0] ?? null;
  return {
    file: path.basename(file),
    to: headers.to ?? "",
    from: headers.from ?? "",
    subject: headers.subject ?? "",
    text,
    html: part("text/html"),
    link,
    token: link ? (link.split("#token=")[1] ?? null) : null,
  };
}

function parseHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  // Folded header lines continue with whitespace.
  for (const line of block.replace(/\n[ \t]+/g, " ").split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

function decodeQuotedPrintable(s: string): string {
  const bytes = s
    .replace(/=\n/g, "")
    .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}
