/**
 * The text of every message the service sends, in one place. A message is
 * rendered at the moment it is sent (in the queue consumer, or on the request
 * path without a queue), never stored: only the sealed code travels.
 */
import type { Channel } from "../types";

/** What a sender puts on the wire. SMS uses only `text`. */
export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
}

/** A sign-in code, by e-mail or SMS. */
export function signInCodeMessage(channel: Channel, to: string, code: string, ttlSeconds: number): OutgoingMessage {
  const minutes = Math.round(ttlSeconds / 60);
  if (channel === "sms") return { to, subject: "", text: `Your Innovation.ia code is ${code}. It expires in ${minutes} min.` };
  return {
    to,
    subject: "Your Innovation.ia sign-in code",
    text: `Your Innovation.ia sign-in code is ${code}. It expires in ${minutes} minutes. If you did not try to sign in, change your password.`,
  };
}
