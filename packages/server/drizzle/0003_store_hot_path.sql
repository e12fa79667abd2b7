CREATE TABLE `outbox_payloads` (
	`outbox_id` integer PRIMARY KEY NOT NULL,
	`payload` text NOT NULL
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_outbox` (
	`id` integer PRIMARY KEY NOT NULL,
	`release_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`type` text NOT NULL,
	`payload` text,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_outbox`("id", "release_id", "idempotency_key", "type", "payload", "status", "attempts", "next_attempt_at", "last_error", "created_at", "updated_at") SELECT "id", "release_id", "idempotency_key", "type", "payload", "status", "attempts", "next_attempt_at", "last_error", "created_at", "updated_at" FROM `outbox`;--> statement-breakpoint
DROP TABLE `outbox`;--> statement-breakpoint
ALTER TABLE `__new_outbox` RENAME TO `outbox`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_release_key_unique` ON `outbox` (`release_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `outbox_unfinished_idx` ON `outbox` (`next_attempt_at`) WHERE "outbox"."status" in ('pending', 'running');--> statement-breakpoint
DROP INDEX `releases_state_updated_idx`;--> statement-breakpoint
CREATE TABLE `__new_webhook_deliveries` (
	`id` integer PRIMARY KEY NOT NULL,
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
INSERT INTO `__new_webhook_deliveries`("id", "dedupe_key", "received_at", "webhook_event", "issue_key", "delivery", "raw_size", "status", "attempts", "outcome", "detail", "processed_at") SELECT "id", "dedupe_key", "received_at", "webhook_event", "issue_key", "delivery", "raw_size", "status", "attempts", "outcome", "detail", "processed_at" FROM `webhook_deliveries`;--> statement-breakpoint
DROP TABLE `webhook_deliveries`;--> statement-breakpoint
ALTER TABLE `__new_webhook_deliveries` RENAME TO `webhook_deliveries`;--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_dedupe_unique` ON `webhook_deliveries` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_received_idx` ON `webhook_deliveries` (`id`) WHERE "webhook_deliveries"."status" = 'received';--> statement-breakpoint
CREATE INDEX `webhook_deliveries_issue_idx` ON `webhook_deliveries` (`issue_key`,`id`);--> statement-breakpoint
CREATE TABLE `__new_audit` (
	`seq` integer PRIMARY KEY NOT NULL,
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
INSERT INTO `__new_audit`("seq", "release_id", "at", "source", "actor", "event", "from_state", "to_state", "accepted", "detail") SELECT "seq", "release_id", "at", "source", "actor", "event", "from_state", "to_state", "accepted", "detail" FROM `audit`;--> statement-breakpoint
DROP TABLE `audit`;--> statement-breakpoint
ALTER TABLE `__new_audit` RENAME TO `audit`;--> statement-breakpoint
CREATE INDEX `audit_release_idx` ON `audit` (`release_id`,`seq`);--> statement-breakpoint
CREATE TABLE `__new_requests` (
	`id` integer PRIMARY KEY NOT NULL,
	`release_id` text NOT NULL,
	`iteration` integer NOT NULL,
	`by` text NOT NULL,
	`body` text NOT NULL,
	`received_at` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_requests`("id", "release_id", "iteration", "by", "body", "received_at") SELECT "id", "release_id", "iteration", "by", "body", "received_at" FROM `requests`;--> statement-breakpoint
DROP TABLE `requests`;--> statement-breakpoint
ALTER TABLE `__new_requests` RENAME TO `requests`;--> statement-breakpoint
CREATE INDEX `requests_release_idx` ON `requests` (`release_id`,`iteration`);--> statement-breakpoint
CREATE TABLE `__new_timers` (
	`id` integer PRIMARY KEY NOT NULL,
	`release_id` text NOT NULL,
	`name` text NOT NULL,
	`due_at` integer NOT NULL,
	`schedule_key` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_timers`("id", "release_id", "name", "due_at", "schedule_key", "created_at") SELECT "id", "release_id", "name", "due_at", "schedule_key", "created_at" FROM `timers`;--> statement-breakpoint
DROP TABLE `timers`;--> statement-breakpoint
ALTER TABLE `__new_timers` RENAME TO `timers`;--> statement-breakpoint
CREATE UNIQUE INDEX `timers_release_name_unique` ON `timers` (`release_id`,`name`);--> statement-breakpoint
CREATE INDEX `timers_due_idx` ON `timers` (`due_at`);