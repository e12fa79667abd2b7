-- A delivery's dedupe key that is a SHA-256 in hex is stored as its 32 bytes (store-records.ts).
UPDATE `webhook_deliveries` SET `dedupe_key` = unhex(`dedupe_key`)
WHERE typeof(`dedupe_key`) = 'text' AND length(`dedupe_key`) = 64 AND `dedupe_key` NOT GLOB '*[^0-9a-f]*';
