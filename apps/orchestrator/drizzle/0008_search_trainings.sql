CREATE TABLE "search_trainings" (
	"job_key" text NOT NULL,
	"training_key" text NOT NULL,
	"params" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "search_trainings_job_key_training_key_pk" PRIMARY KEY("job_key","training_key")
);--> statement-breakpoint
-- Searches that trained candidates before this table existed linked them from search_candidates
-- only; they are recorded here once (written by hand), with the training parameters their stored
-- results give, so the campaigns' training views keep showing them.
INSERT INTO "search_trainings" ("job_key", "training_key", "params")
SELECT DISTINCT c."job_key", c."training_key", jsonb_build_object('dataset', r."dataset", 'network', r."network", 'variant', r."variant",
  'operators', to_jsonb(r."operators"), 'method', r."method", 'seed', r."seed", 'width', r."width", 'epochs', r."epochs")
FROM "search_candidates" c JOIN "training_results" r ON r."job_key" = c."training_key"
ON CONFLICT DO NOTHING;
