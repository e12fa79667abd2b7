ALTER TABLE `releases` ADD `applied_version` text;--> statement-breakpoint
ALTER TABLE `releases` ADD `applied_at` text;--> statement-breakpoint
CREATE INDEX `releases_applied_idx` ON `releases` (`project`,`env`,`applied_at`);