/**
 * After FACTOR_ENCRYPTION_KEY rotates (the old key kept as
 * FACTOR_ENCRYPTION_KEY_PREVIOUS), the cron opens each authenticator secret
 * still sealed under the old key and seals it under the new one, a bounded
 * batch per run. When a run reports `remaining: 0`, the previous key can go.
 */
import type { Config } from "../config";
import { sealSecret } from "../secret-box";
import type { FactorStore } from "./store";
import { factorKeyring, openTotpSecret, totpContext } from "./keys";

export const RESEAL_BATCH = 100;

export async function resealFactors(config: Config, store: FactorStore, batch = RESEAL_BATCH): Promise<{ resealed: number; remaining: number }> {
  if (!config.factorKeys?.previous) return { resealed: 0, remaining: 0 };
  const ring = await factorKeyring(config);
  const previous = ring.previous!.id;
  const rows = await store.totpSealedWith(previous, batch);
  for (const row of rows) {
    const secret = await openTotpSecret(ring, row);
    const sealed = await sealSecret(ring, secret, totpContext(row.id));
    await store.resealTotp(row.id, row.keyId, { secretSealed: sealed.sealed, keyId: sealed.keyId });
  }
  const left = rows.length < batch ? 0 : (await store.totpSealedWith(previous, 1)).length;
  return { resealed: rows.length, remaining: left };
}
