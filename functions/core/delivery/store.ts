/** What queued delivery needs from storage. Each method is one statement. */
import type { Channel, ClientMeta } from "../types";

export type ChallengePurpose = "sign_in" | "password_reset" | "phone_change";

export type DeliveryClaim =
  | { status: "claimed"; channel: Channel; destination: string; purpose: ChallengePurpose; locale: string }
  /** Another consumer holds a fresh claim on this send: try again after the lease. */
  | { status: "busy" }
  /** Nothing to send: delivered already, superseded by a resend, expired or used. */
  | { status: "done" };

export type DeliveryRecord = { status: "sent"; messageId: string | null } | { status: "failed"; error: string };

export interface DeliveryStore {
  /**
   * Claims one send of a challenge for delivery: only if the challenge is live,
   * that send is still the current one, it was not delivered yet, and no other
   * consumer holds a fresh claim.
   */
  claimDelivery(challengeId: string, send: number, leaseSeconds: number): Promise<DeliveryClaim>;
  recordDelivery(challengeId: string, send: number, record: DeliveryRecord): Promise<void>;
  /** Gives up on a send: marks it failed and revokes the challenge if that send is still current. */
  abandonDelivery(challengeId: string, send: number, error: string): Promise<void>;
  /** Where a security notice goes: the account's e-mail and language; null when the account is gone. */
  noticeRecipient(userId: string): Promise<{ email: string; locale: string } | null>;
  /** Logs `login_failed` for the account with this e-mail, if there is one (an unknown address leaves no trace). */
  recordFailedLogin(email: string, client: ClientMeta): Promise<void>;
}
