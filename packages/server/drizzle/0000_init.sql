CREATE TABLE `audit` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` text NOT NULL,
	`at` text NOT NULL,
	`source` text NOT NULL,
	`actor` text NOT NULL,
	`event` text NOT NULL,
	`from_state` text,
	`to_state` text,
	`accepted` integer NOT NULL,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_release_idx` ON `audit` (`release_id`,`seq`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_idempotency_key_unique` ON `outbox` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `outbox_release_status_idx` ON `outbox` (`release_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `outbox_status_idx` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `releases` (
	`release_id` text PRIMARY KEY NOT NULL,
	`summary` text NOT NULL,
	`issue_key` text,
	`project` text NOT NULL,
	`jira_project` text NOT NULL,
	`env` text NOT NULL,
	`state` text NOT NULL,
	`iteration` integer NOT NULL,
	`machine_version` integer NOT NULL,
	`snapshot` text NOT NULL,
	`revision` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `releases_summary_unique` ON `releases` (`summary`);--> statement-breakpoint
CREATE INDEX `releases_issue_key_idx` ON `releases` (`issue_key`);--> statement-breakpoint
CREATE INDEX `releases_state_idx` ON `releases` (`state`);--> statement-breakpoint
CREATE INDEX `releases_created_idx` ON `releases` (`created_at`);--> statement-breakpoint
CREATE TABLE `requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` text NOT NULL,
	`iteration` integer NOT NULL,
	`by` text NOT NULL,
	`body` text NOT NULL,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `requests_release_idx` ON `requests` (`release_id`,`iteration`);--> statement-breakpoint
CREATE TABLE `timers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` text NOT NULL,
	`name` text NOT NULL,
	`due_at` integer NOT NULL,
	`schedule_key` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `timers_release_name_unique` ON `timers` (`release_id`,`name`);--> statement-breakpoint
CREATE INDEX `timers_due_idx` ON `timers` (`due_at`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dedupe_key` text NOT NULL,
	`received_at` text NOT NULL,
	`webhook_event` text NOT NULL,
	`issue_key` text,
	`delivery` text NOT NULL,
	`raw_size` integer NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`outcome` text,
	`detail` text,
	`processed_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_dedupe_unique` ON `webhook_deliveries` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_status_idx` ON `webhook_deliveries` (`status`);