CREATE TABLE `booper_jobs` (
	`project_id` text NOT NULL,
	`number` integer NOT NULL,
	`task_id` text NOT NULL,
	`idempotency_key` text,
	`description` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `number`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `booper_jobs_task` ON `booper_jobs` (`task_id`);--> statement-breakpoint
CREATE INDEX `booper_jobs_key` ON `booper_jobs` (`project_id`,`idempotency_key`,`number`);