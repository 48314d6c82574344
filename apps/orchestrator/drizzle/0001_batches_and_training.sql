CREATE TABLE "training_results" (
	"job_key" text PRIMARY KEY NOT NULL,
	"dataset" text NOT NULL,
	"network" text NOT NULL,
	"variant" text NOT NULL,
	"method" text NOT NULL,
	"width" double precision NOT NULL,
	"epochs" integer NOT NULL,
	"seed" integer NOT NULL,
	"backend" text NOT NULL,
	"test_accuracy" double precision,
	"test_loss" double precision,
	"train_loss" double precision NOT NULL,
	"train_accuracy" double precision NOT NULL,
	"train_images_per_sec" double precision NOT NULL,
	"checkpoint_epoch" integer NOT NULL,
	"checkpoint_step" integer NOT NULL,
	"resumed_from" integer,
	"code_version" text NOT NULL,
	"worker" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "jobs_position_idx" ON "jobs" USING btree ("campaign_id","position");