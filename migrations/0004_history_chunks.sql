CREATE TABLE `history` (
	`task_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`seq` integer NOT NULL,
	`project_id` text NOT NULL,
	`first_started` integer NOT NULL,
	`last_started` integer NOT NULL,
	`attempts` integer NOT NULL,
	`failures` integer NOT NULL,
	`body` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `history_task` ON `history` (`task_id`,`created_at`,`seq`);--> statement-breakpoint
CREATE INDEX `history_project` ON `history` (`project_id`,`last_started`);