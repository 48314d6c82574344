ALTER TABLE "sim_results" ADD COLUMN "layer_utilization" double precision[];--> statement-breakpoint
-- Existing results get their layers' utilisations once, here (written by hand: drizzle-kit
-- generates schema changes only). Readers still fall back to the layer rows where it is null.
UPDATE "sim_results" r SET "layer_utilization" = (
  SELECT array_agg(x."utilization" ORDER BY x."layer_index") FROM "sim_layer_results" x WHERE x."job_key" = r."job_key"
) WHERE r."layer_utilization" IS NULL AND EXISTS (SELECT 1 FROM "sim_layer_results" x WHERE x."job_key" = r."job_key");
