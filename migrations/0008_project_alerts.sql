ALTER TABLE `projects` ADD `alert_url` text;--> statement-breakpoint
ALTER TABLE `projects` ADD `alert_events` text;