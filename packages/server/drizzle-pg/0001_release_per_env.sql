DROP INDEX "releases_summary_unique";--> statement-breakpoint
CREATE UNIQUE INDEX "releases_summary_env_unique" ON "releases" USING btree ("summary","env");