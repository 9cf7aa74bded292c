CREATE TABLE `task_labels` (
	`task_id` text NOT NULL,
	`project_id` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`task_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `task_labels_filter` ON `task_labels` (`project_id`,`key`,`value`,`created_at`,`task_id`);--> statement-breakpoint
-- A task's label rows follow the `labels` of the definition in its index row, whichever
-- statement writes the row (create, change, delete, history writer, sweeper). The index upsert
-- only updates a row to a newer version, and these triggers fire only on the rows it changes.
CREATE TRIGGER `task_labels_on_insert` AFTER INSERT ON `tasks`
WHEN NEW.`deleted_at` IS NULL AND json_extract(NEW.`definition`, '$.labels') IS NOT NULL
BEGIN
	INSERT OR REPLACE INTO `task_labels` (`task_id`, `project_id`, `key`, `value`, `created_at`)
	SELECT NEW.`id`, NEW.`project_id`, l.`key`, l.`value`, NEW.`created_at`
	FROM json_each(NEW.`definition`, '$.labels') AS l;
END;
--> statement-breakpoint
-- Lifecycle changes rewrite the definition unchanged: only a change of labels, of deletion or of
-- incarnation (a task re-created under its id) rewrites the label rows.
CREATE TRIGGER `task_labels_on_update` AFTER UPDATE OF `definition`, `deleted_at`, `created_at` ON `tasks`
WHEN json_extract(NEW.`definition`, '$.labels') IS NOT json_extract(OLD.`definition`, '$.labels')
	OR NEW.`deleted_at` IS NOT OLD.`deleted_at` OR NEW.`created_at` IS NOT OLD.`created_at`
BEGIN
	DELETE FROM `task_labels` WHERE `task_id` = OLD.`id`;
	INSERT OR REPLACE INTO `task_labels` (`task_id`, `project_id`, `key`, `value`, `created_at`)
	SELECT NEW.`id`, NEW.`project_id`, l.`key`, l.`value`, NEW.`created_at`
	FROM json_each(NEW.`definition`, '$.labels') AS l
	WHERE NEW.`deleted_at` IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `task_labels_on_delete` AFTER DELETE ON `tasks`
BEGIN
	DELETE FROM `task_labels` WHERE `task_id` = OLD.`id`;
END;
