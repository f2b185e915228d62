/** Picks the sender for a channel from the configuration. */
import type { Config } from "../config";
import type { Channel } from "../types";
import { devConsoleSender } from "./console";
import { sendGridSender } from "./sendgrid";
import type { Sender } from "./sender";
import { twilioSender } from "./twilio";

export { DeliveryError, maskDestination, type Sender } from "./sender";

/** The configured sender for a channel; the dev console in development; otherwise null (channel unavailable). */
export function senderFor(channel: Channel, config: Config): Sender | null {
  if (channel === "email" && config.sendgrid) return sendGridSender(config.sendgrid);
  if (channel === "sms" && config.twilio) return twilioSender(config.twilio);
  return config.environment === "development" ? devConsoleSender(channel) : null;
}
