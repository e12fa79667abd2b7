CREATE TABLE `durability` (
	`id` integer PRIMARY KEY NOT NULL,
	`flushes` integer NOT NULL
);
