ALTER TABLE `tasks` ADD `calls_per_minute` real DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `tasks_project_budget` ON `tasks` (`project_id`,`deleted_at`,`state`,`calls_per_minute`);