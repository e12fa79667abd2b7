CREATE TABLE `audit_archive` (
	`id` integer PRIMARY KEY NOT NULL,
	`release_id` text NOT NULL,
	`first_seq` integer NOT NULL,
	`last_seq` integer NOT NULL,
	`rows` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_archive_release_idx` ON `audit_archive` (`release_id`,`first_seq`);--> statement-breakpoint
CREATE INDEX `audit_archive_last_seq_idx` ON `audit_archive` (`last_seq`);