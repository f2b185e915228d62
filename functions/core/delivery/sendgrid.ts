/**
 * E-mail through SendGrid's v3 Mail Send API with plain `fetch`: the official
 * SDK adds about 50 KiB gzip to the worker for one POST (see README, Dependencies).
 */
import type { SendGridConfig } from "../config";
import type { OutgoingMessage } from "./messages";
import { postToProvider, type Sender } from "./sender";

/** Sends one plain-text e-mail; resolves with SendGrid's `X-Message-Id`. */
export async function sendEmail(config: SendGridConfig, email: OutgoingMessage): Promise<{ messageId?: string }> {
  const response = await postToProvider("SendGrid", `${config.apiUrl}/v3/mail/send`, {
    headers: { authorization: `Bearer ${config.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      personalizations: [{ to: [{ email: email.to }] }],
      from: { email: config.from },
      subject: email.subject,
      content: [{ type: "text/plain", value: email.text }],
    }),
  });
  await response.body?.cancel();
  return { messageId: response.headers.get("x-message-id") ?? undefined };
}

export function sendGridSender(config: SendGridConfig): Sender {
  return { channel: "email", send: (message) => sendEmail(config, message) };
}
