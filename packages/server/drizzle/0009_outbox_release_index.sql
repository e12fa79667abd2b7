DROP INDEX `outbox_release_key_unique`;--> statement-breakpoint
CREATE INDEX `outbox_release_idx` ON `outbox` (`release_id`);