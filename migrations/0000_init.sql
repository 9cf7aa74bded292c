CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`prefix` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE INDEX `api_keys_project` ON `api_keys` (`project_id`);--> statement-breakpoint
CREATE TABLE `executions` (
	`id` text PRIMARY KEY NOT NULL,
	`execution_id` text NOT NULL,
	`task_id` text NOT NULL,
	`project_id` text NOT NULL,
	`number` integer NOT NULL,
	`attempt` integer NOT NULL,
	`scheduled_at` integer NOT NULL,
	`started_at` integer NOT NULL,
	`duration_ms` integer NOT NULL,
	`lateness_ms` integer NOT NULL,
	`status_code` integer,
	`successful` integer NOT NULL,
	`error` text,
	`response_headers` text NOT NULL,
	`response_body` text NOT NULL,
	`truncated` integer NOT NULL,
	`final` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `executions_task_started` ON `executions` (`task_id`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `executions_started` ON `executions` (`started_at`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`signing_secret` text NOT NULL,
	`previous_signing_secret` text,
	`previous_valid_until` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text,
	`state` text NOT NULL,
	`next_run_at` integer,
	`last_run_at` integer,
	`executions_total` integer DEFAULT 0 NOT NULL,
	`idempotency_key` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer NOT NULL,
	`deleted_at` integer,
	`definition` text NOT NULL,
	`progress` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tasks_project_created` ON `tasks` (`project_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_project_state_created` ON `tasks` (`project_id`,`state`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_project_name` ON `tasks` (`project_id`,`name`);--> statement-breakpoint
CREATE INDEX `tasks_state_next_run` ON `tasks` (`state`,`next_run_at`);