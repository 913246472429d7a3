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
  email: LinkEmail,
  subject: string,
  lead: string,
  action: string,
  after: string,
): MailMessage {
  const greeting = email.name ? `Hello ${email.name},` : "Hello,";
  const text = [
    greeting,
    "",
    lead,
    "",
    `${action}:`,
    email.link,
    "",
    `The link works once, until ${when(email.expiresAt)}. ${after}`,
    "",
    `— ${email.appName}`,
  ].join("\n");
  const html =
    `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">` +
    `<p>${escapeHtml(greeting)}</p><p>${escapeHtml(lead)}</p>` +
    `<p><a href="${escapeHtml(email.link)}">${escapeHtml(action)}</a></p>` +
    `<p>The link works once, until ${escapeHtml(when(email.expiresAt))}. ${escapeHtml(after)}</p>` +
    `<p>— ${escapeHtml(email.appName)}</p></body></html>`;
  return { to: email.to, subject, text, html };
}

export function invitationEmail(email: LinkEmail): MailMessage {
  return linkEmail(
    email,
    `Your ${email.appName} account`,
    `An account has been created for you on ${email.appName}, where your files are shared with you.`,
    "Choose your password",
    "If it has expired, ask us to send a new invitation.",
  );
}

export function resetEmail(email: LinkEmail): MailMessage {
  return linkEmail(
    email,
    `Reset your ${email.appName} password`,
    `Someone, hopefully you, asked to reset the password of your ${email.appName} account.`,
    "Choose a new password",
    "If you did not ask for this, ignore this email: your password stays as it is.",
  );
}
