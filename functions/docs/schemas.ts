/**
 * The response bodies, as zod schemas: the OpenAPI document is generated from
 * them and from the request schemas the functions validate with, and the
 * handlers' results are typed against them (type-only imports: nothing here
 * reaches the worker bundle).
 */
import * as z from "zod/mini";

const isoTime = z.string().check(z.regex(/^\d{4}-\d\d-\d\dT/));
const factorType = z.enum(["email", "sms", "totp", "recovery"]);

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
    attempts_remaining: z.optional(z.number()),
    retry_after: z.optional(z.number()),
    request_id: z.optional(z.string()),
    variable: z.optional(z.string()),
    factors: z.optional(z.array(factorType)),
    allow: z.optional(z.array(z.string())),
  }),
});

export const User = z.object({ id: z.string(), email: z.string(), phone: z.nullable(z.string()), locale: z.string() });

export const Profile = z.object({
  id: z.string(),
  email: z.string(),
  phone: z.nullable(z.string()),
  locale: z.string(),
  email_verified_at: z.nullable(isoTime),
  phone_verified_at: z.nullable(isoTime),
  created_at: isoTime,
});

export const RegisterResponse = z.object({ user: User });
export const ProfileResponse = z.object({ user: Profile });

export const ChallengeResponse = z.object({
  challenge_id: z.string(),
  channel: factorType,
  destination: z.nullable(z.string()),
  expires_in: z.number(),
  resend_after: z.nullable(z.number()),
  factors: z.array(factorType),
});

export const ResendResponse = z.object({
  challenge_id: z.string(),
  channel: z.enum(["email", "sms"]),
  destination: z.string(),
  expires_in: z.number(),
  resend_after: z.number(),
});

export const TokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_in: z.number(),
  refresh_token: z.string(),
  refresh_expires_in: z.number(),
});

export const FactorsResponse = z.object({
  factors: z.array(
    z.object({
      id: z.string(),
      type: z.enum(["email", "sms", "totp"]),
      status: z.enum(["active", "pending"]),
      destination: z.nullable(z.string()),
      created_at: isoTime,
      last_used_at: z.nullable(isoTime),
    }),
  ),
  recovery_codes_remaining: z.number(),
});

export const TotpEnrolResponse = z.object({ factor_id: z.string(), secret: z.string(), otpauth_uri: z.string() });

export const TotpConfirmResponse = z.object({
  factor: z.object({ id: z.string(), type: z.literal("totp"), status: z.literal("active"), destination: z.null() }),
  recovery_codes: z.array(z.string()),
});

export const RecoveryCodesResponse = z.object({ recovery_codes: z.array(z.string()) });

export const ForgotResponse = z.object({ reset_id: z.string(), expires_in: z.number() });

export const PhoneChangeResponse = z.object({ destination: z.string(), expires_in: z.number() });

export const SessionsResponse = z.object({
  sessions: z.array(
    z.object({
      id: z.string(),
      created_at: isoTime,
      last_used_at: z.nullable(isoTime),
      user_agent: z.nullable(z.string()),
      ip_prefix: z.nullable(z.string()),
      amr: z.array(z.string()),
      current: z.boolean(),
    }),
  ),
});

export const EventsResponse = z.object({
  events: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      at: isoTime,
      ip_prefix: z.nullable(z.string()),
      user_agent: z.nullable(z.string()),
      factor: z.nullable(z.string()),
    }),
  ),
  next_cursor: z.nullable(z.string()),
});

/** Every kept thing about the account; its parts are described in the README. */
export const ExportResponse = z.object({
  profile: z.record(z.string(), z.unknown()),
  factors: z.array(z.record(z.string(), z.unknown())),
  recovery_codes: z.object({ unused: z.number(), used: z.number() }),
  sessions: z.array(z.record(z.string(), z.unknown())),
  events: z.array(z.record(z.string(), z.unknown())),
});

export const HealthResponse = z.object({
  status: z.enum(["healthy", "unhealthy"]),
  database: z.enum(["connected", "disconnected"]),
  email_configured: z.boolean(),
  sms_configured: z.boolean(),
});

export const DeepHealthResponse = z.object({
  status: z.enum(["healthy", "unhealthy"]),
  database: z.optional(z.enum(["connected", "disconnected"])),
  email: z.enum(["sent", "failed"]),
  email_message_id: z.optional(z.nullable(z.string())),
  email_reason: z.optional(z.string()),
  reason: z.optional(z.string()),
  sms: z.optional(z.enum(["ok", "failed", "not_configured"])),
  sms_reason: z.optional(z.string()),
});

export const JwksResponse = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
