/**
 * Development only: with no provider configured and ENVIRONMENT=development,
 * the message is printed to the `wrangler dev` console so the service works out
 * of the box. This is the delivery channel itself, so it is the one place a
 * code is printed; it is never chosen in production or test.
 */
import type { Channel } from "../types";
import type { Sender } from "./sender";

export function devConsoleSender(channel: Channel): Sender {
  return {
    channel,
    async send({ to, subject, text }) {
      console.log(`[dev delivery] ${channel} to ${to}: ${subject ? `${subject}: ` : ""}${text}`);
      return { messageId: `dev-console-${crypto.randomUUID()}` };
    },
  };
}
