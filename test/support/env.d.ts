// Bindings the test config adds on top of wrangler.toml's (see test/vitest.config.mts).
declare namespace Cloudflare {
  interface Env {
    DATABASE_URL: string;
    DATABASE_HTTP_ENDPOINT: string;
    DATABASE_TIMEOUT_MS: string;
    SECRET_KEY: string;
    PASSWORD_PEPPER: string;
    FACTOR_ENCRYPTION_KEY: string;
    SENDGRID_API_KEY: string;
    SENDGRID_API_URL: string;
    EMAIL_FROM: string;
    TWILIO_ACCOUNT_SID: string;
    TWILIO_AUTH_TOKEN: string;
    TWILIO_PHONE_NUMBER: string;
    TWILIO_API_URL: string;
    HEALTH_DEEP_TOKEN: string;
    HEALTH_CHECK_EMAIL: string;
    DELIVERY_RETRY_BASE_SECONDS: string;
    PASSWORD_ITERATIONS: string;
    TEST_FAKE_PROVIDERS_URL: string;
    TEST_HUNG_DATABASE_URL: string;
    TEST_CHAOS_URL: string;
  }
}
