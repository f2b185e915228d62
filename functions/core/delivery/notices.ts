/**
 * Security notices: the account's e-mail is told, in its language, when its
 * password is reset or changed, a factor is enrolled or removed, recovery codes
 * are used or regenerated, or its phone changes. A notice goes through the
 * delivery queue and holds no secret; failing to send one never fails the
 * request that caused it.
 */
import type { Deps } from "../deps";
import { normalizeLocale } from "../locale";
import { DeliveryError, senderFor } from "./index";
import { renderMessage, type NoticeKind } from "./messages";

export type { NoticeKind } from "./messages";

export async function notify(deps: Deps, userId: string, notice: NoticeKind): Promise<void> {
  try {
    if (deps.enqueue) {
      await deps.enqueue({ v: 1, kind: "notice", userId, notice });
      return;
    }
    // Without a queue (local development): one more statement, on this path only.
    const recipient = await deps.store.noticeRecipient(userId);
    const sender = senderFor("email", deps.config);
    if (!recipient || !sender) return;
    const locale = normalizeLocale(recipient.locale) ?? deps.config.defaultLocale;
    await sender.send(renderMessage(notice, { channel: "email", to: recipient.email, locale }));
  } catch (error) {
    deps.log("warn", "notice_not_sent", { notice, error: error instanceof DeliveryError ? error.reason : error instanceof Error ? error.name : "error" });
  }
}

/**
 * Logs a failed sign-in (wrong password, unknown address, locked account)
 * through the queue: the same one message for all three, so they cost the same.
 */
export async function recordFailedLogin(deps: Deps, email: string): Promise<void> {
  try {
    if (deps.enqueue) await deps.enqueue({ v: 1, kind: "login_failed", email, ...deps.client });
    else await deps.store.recordFailedLogin(email, deps.client);
  } catch (error) {
    deps.log("warn", "login_failed_not_logged", { error: error instanceof Error ? error.name : "error" });
  }
}
