import type { MailMessage } from "../aws/ses-mailer.js";

export interface LinkEmail {
  readonly appName: string;
  readonly to: string;
  /** The person's name, when known. */
  readonly name?: string;
  readonly link: string;
  readonly expiresAt: Date;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const when = (d: Date) => d.toUTCString();

/**
 * The two emails the portal sends. Plain text and HTML carry the same words; no images, no
 * tracking, no external resources: one link, to the portal itself.
 */
function linkEmail(
  e: LinkEmail,
  subject: string,
  lead: string,
  action: string,
  after: string,
): MailMessage {
  const greeting = e.name ? `Hello ${e.name},` : "Hello,";
  const text = [
    greeting,
    "",
    lead,
    "",
    `${action}:`,
    e.link,
    "",
    `The link works once, until ${when(e.expiresAt)}. ${after}`,
    "",
    `— ${e.appName}`,
  ].join("\n");
  const html =
    `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">` +
    `<p>${escapeHtml(greeting)}</p><p>${escapeHtml(lead)}</p>` +
    `<p><a href="${escapeHtml(e.link)}">${escapeHtml(action)}</a></p>` +
    `<p>The link works once, until ${escapeHtml(when(e.expiresAt))}. ${escapeHtml(after)}</p>` +
    `<p>— ${escapeHtml(e.appName)}</p></body></html>`;
  return { to: e.to, subject, text, html };
}

export function invitationEmail(e: LinkEmail): MailMessage {
  return linkEmail(
    e,
    `Your ${e.appName} account`,
    `An account has been created for you on ${e.appName}, where your files are shared with you.`,
    "Choose your password",
    "If it has expired, ask us to send a new invitation.",
  );
}

export function resetEmail(e: LinkEmail): MailMessage {
  return linkEmail(
    e,
    `Reset your ${e.appName} password`,
    `Someone, hopefully you, asked to reset the password of your ${e.appName} account.`,
    "Choose a new password",
    "If you did not ask for this, ignore this email: your password stays as it is.",
  );
}
