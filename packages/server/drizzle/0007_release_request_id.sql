-- The stored request a release's snapshot refers to gets a column of its own (reads join on it), so the
-- snapshot can be stored packed: filled from the snapshots written before.
ALTER TABLE `releases` ADD `request_id` integer;--> statement-breakpoint
UPDATE `releases` SET `request_id` = (`snapshot` ->> '$.context.request.storedRequestId') WHERE typeof(`snapshot`) = 'text';
