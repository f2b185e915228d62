/** What every delivery channel implements, and how addresses are masked. */
import type { Channel } from "../types";
import type { OutgoingMessage } from "./messages";

export interface Sender {
  readonly channel: Channel;
  /** Sends one message; resolves with the provider's message id, throws DeliveryError on failure. */
  send(message: OutgoingMessage): Promise<{ messageId?: string }>;
}

/** A provider refused or could not be reached. `reason` is safe to log: it never holds the code. */
export class DeliveryError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "DeliveryError";
  }
}

/** A provider call gives up after this long, so a hung provider can't hold a login open. */
export const PROVIDER_TIMEOUT_MS = 8_000;

/** Posts to a provider and turns every failure into a DeliveryError with a loggable reason. */
export async function postToProvider(provider: string, url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, method: "POST", signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
  } catch (error) {
    throw new DeliveryError(`${provider} unreachable: ${error instanceof Error ? error.name : "error"}`);
  }
  if (!response.ok) {
    // Drain the body so the connection is released; its text may echo our request, so it is not logged.
    await response.body?.cancel();
    throw new DeliveryError(`${provider} answered HTTP ${response.status}`);
  }
  return response;
}

/** `jane@example.com` becomes `j***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 1) return "***";
  return `${email[0]}***${email.slice(at)}`;
}

/** `+5511987654321` becomes `+55*********21`: country code and last two digits stay. */
export function maskPhone(phone: string): string {
  if (phone.length < 6) return "***";
  return phone.slice(0, 3) + "*".repeat(phone.length - 5) + phone.slice(-2);
}

export function maskDestination(channel: Channel, destination: string): string {
  return channel === "email" ? maskEmail(destination) : maskPhone(destination);
}
