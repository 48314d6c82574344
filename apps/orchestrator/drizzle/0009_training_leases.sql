CREATE TABLE "training_leases" (
	"job_key" text PRIMARY KEY NOT NULL,
	"holder" text,
	"claims" integer DEFAULT 0 NOT NULL,
	"renewed_at" timestamp with time zone DEFAULT now() NOT NULL
);
