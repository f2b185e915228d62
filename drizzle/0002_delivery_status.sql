ALTER TABLE "challenges" ADD COLUMN "delivery_status" text DEFAULT 'queued' NOT NULL;--> statement-breakpoint
ALTER TABLE "challenges" ADD COLUMN "delivered_send" integer;--> statement-breakpoint
ALTER TABLE "challenges" ADD COLUMN "delivery_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "challenges" ADD COLUMN "delivery_claimed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "challenges" ADD COLUMN "provider_message_id" text;--> statement-breakpoint
ALTER TABLE "challenges" ADD COLUMN "delivery_error" text;