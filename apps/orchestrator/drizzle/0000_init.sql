CREATE TABLE "campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"spec" jsonb NOT NULL,
	"spec_hash" text NOT NULL,
	"status" text NOT NULL,
	"code_version" text NOT NULL,
	"versions" jsonb NOT NULL,
	"seed" integer NOT NULL,
	"force" boolean DEFAULT false NOT NULL,
	"total_jobs" integer DEFAULT 0 NOT NULL,
	"reused_jobs" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "checkpoints" (
	"job_key" text NOT NULL,
	"epoch" integer NOT NULL,
	"step" integer NOT NULL,
	"format" text NOT NULL,
	"data" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "checkpoints_job_key_epoch_step_pk" PRIMARY KEY("job_key","epoch","step")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" serial PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"position" integer NOT NULL,
	"kind" text NOT NULL,
	"group" text NOT NULL,
	"key" text NOT NULL,
	"params" jsonb NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"worker" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "search_candidates" (
	"job_key" text NOT NULL,
	"candidate_index" integer NOT NULL,
	"generation" integer NOT NULL,
	"operators" jsonb NOT NULL,
	"objectives" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "search_candidates_job_key_candidate_index_pk" PRIMARY KEY("job_key","candidate_index")
);
--> statement-breakpoint
CREATE TABLE "search_fronts" (
	"job_key" text NOT NULL,
	"generation" integer NOT NULL,
	"front" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "search_fronts_job_key_generation_pk" PRIMARY KEY("job_key","generation")
);
--> statement-breakpoint
CREATE TABLE "sim_layer_results" (
	"job_key" text NOT NULL,
	"layer_index" integer NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"operator_class" text NOT NULL,
	"cycles" bigint NOT NULL,
	"macs" bigint NOT NULL,
	"utilization" double precision NOT NULL,
	"breakdown" jsonb,
	CONSTRAINT "sim_layer_results_job_key_layer_index_pk" PRIMARY KEY("job_key","layer_index")
);
--> statement-breakpoint
CREATE TABLE "sim_results" (
	"job_key" text PRIMARY KEY NOT NULL,
	"network" text NOT NULL,
	"variant" text NOT NULL,
	"rows" integer NOT NULL,
	"cols" integer NOT NULL,
	"model" text NOT NULL,
	"hardware" text NOT NULL,
	"dataflow" text NOT NULL,
	"input_size" integer NOT NULL,
	"num_classes" integer NOT NULL,
	"total_cycles" bigint NOT NULL,
	"total_macs" bigint NOT NULL,
	"cycles_by_class" jsonb NOT NULL,
	"code_version" text NOT NULL,
	"worker" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "training_metrics" (
	"job_key" text NOT NULL,
	"epoch" integer NOT NULL,
	"step" integer NOT NULL,
	"split" text NOT NULL,
	"metric" text NOT NULL,
	"value" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "training_metrics_job_key_epoch_step_split_metric_pk" PRIMARY KEY("job_key","epoch","step","split","metric")
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sim_layer_results" ADD CONSTRAINT "sim_layer_results_job_key_sim_results_job_key_fk" FOREIGN KEY ("job_key") REFERENCES "public"."sim_results"("job_key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "campaigns_spec_hash_idx" ON "campaigns" USING btree ("spec_hash");--> statement-breakpoint
CREATE INDEX "campaigns_created_idx" ON "campaigns" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_campaign_key_uq" ON "jobs" USING btree ("campaign_id","key");--> statement-breakpoint
CREATE INDEX "jobs_key_idx" ON "jobs" USING btree ("key");--> statement-breakpoint
CREATE INDEX "jobs_status_idx" ON "jobs" USING btree ("campaign_id","status");--> statement-breakpoint
CREATE INDEX "sim_results_lookup_idx" ON "sim_results" USING btree ("network","variant","rows","cols","model","hardware");