DROP INDEX `outbox_unfinished_idx`;--> statement-breakpoint
DROP INDEX `timers_due_idx`;