CREATE TABLE "search_results" (
	"job_key" text PRIMARY KEY NOT NULL,
	"network" text NOT NULL,
	"space" text NOT NULL,
	"strategy" text NOT NULL,
	"objectives" jsonb NOT NULL,
	"evaluations" integer NOT NULL,
	"generations" integer NOT NULL,
	"runs" integer NOT NULL,
	"front" jsonb NOT NULL,
	"code_version" text NOT NULL,
	"worker" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "search_candidates" ADD COLUMN "candidate_key" text NOT NULL;--> statement-breakpoint
ALTER TABLE "search_candidates" ADD COLUMN "array" jsonb;--> statement-breakpoint
ALTER TABLE "search_candidates" ADD COLUMN "worker" text;--> statement-breakpoint
ALTER TABLE "search_fronts" ADD COLUMN "evaluations" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "search_candidates_key_uq" ON "search_candidates" USING btree ("job_key","candidate_key");