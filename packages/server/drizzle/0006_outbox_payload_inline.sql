-- Each outbox row carries its payload again (a done row is deleted, so nothing is left to keep apart):
-- the payloads of unfinished and failed rows move back into their rows before the table goes.
UPDATE `outbox` SET `payload` = (SELECT `p`.`payload` FROM `outbox_payloads` `p` WHERE `p`.`outbox_id` = `outbox`.`id`) WHERE `id` IN (SELECT `outbox_id` FROM `outbox_payloads`);--> statement-breakpoint
DROP TABLE `outbox_payloads`;
