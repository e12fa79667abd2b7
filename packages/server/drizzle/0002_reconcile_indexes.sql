CREATE INDEX `releases_state_updated_idx` ON `releases` (`state`,`updated_at`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_issue_idx` ON `webhook_deliveries` (`issue_key`,`id`);