import type { SESv2Client } from "@aws-sdk/client-sesv2";
import { unavailable } from "./errors.js";

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface Mailer {
  /** Sends or throws SERVICE_UNAVAILABLE (SES's own message stays on the error's cause). */
  send(message: MailMessage): Promise<void>;
}

/**
 * Amazon SES (v2 SendEmail) from one sender; locally the same calls reach the SES stand-in. The
 * SDK package loads at the first email (src/aws/clients.ts).
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: () => Promise<SESv2Client>,
    private readonly from: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    try {
      const { SendEmailCommand } = await import("@aws-sdk/client-sesv2");
      const client = await this.client();
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: this.from,
          Destination: { ToAddresses: [message.to] },
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: "UTF-8" },
              Body: {
                Text: { Data: message.text, Charset: "UTF-8" },
                Html: { Data: message.html, Charset: "UTF-8" },
              },
            },
          },
        }),
      );
    } catch (err) {
      // Any failure to send (SES refused the sender, an outage, throttling) is the same thing to
      // the caller: the email did not go, nothing was changed, try again later.
      throw unavailable(err);
    }
  }
}
