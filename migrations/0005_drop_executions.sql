-- Attempts recorded before history moved to chunks become one-attempt chunks, numbered below
-- zero so new chunks (from 0 up) sort after them. They are filed under the task's current
-- incarnation.
INSERT INTO `history` (`task_id`, `created_at`, `seq`, `project_id`, `first_started`, `last_started`, `attempts`, `failures`, `body`)
SELECT e.`task_id`, t.`created_at`,
	-ROW_NUMBER() OVER (PARTITION BY e.`task_id` ORDER BY e.`started_at` DESC, e.`id` DESC),
	e.`project_id`, e.`started_at`, e.`started_at`, 1, 1 - e.`successful`,
	json_array(json_array(
		substr(substr(e.`execution_id`, length(e.`task_id`) + 2), instr(substr(e.`execution_id`, length(e.`task_id`) + 2), '-') + 1),
		e.`number`, e.`attempt`, e.`scheduled_at`, e.`started_at`, e.`duration_ms`, e.`status_code`, e.`error`,
		json(e.`response_headers`), e.`response_body`,
		e.`successful` | (e.`truncated` << 1) | (e.`final` << 2)))
FROM `executions` e JOIN `tasks` t ON t.`id` = e.`task_id`;
--> statement-breakpoint
DROP TABLE `executions`;
--> statement-breakpoint
-- Finished and deleted tasks now expire (FINISHED_TASK_TTL_DAYS, 30 by default): their index
-- rows keep the expiry time in next_run_at, counted here from their last change.
UPDATE `tasks` SET `next_run_at` = `version` + 2592000000
WHERE `state` IN ('completed', 'cancelled', 'failed') AND `next_run_at` IS NULL;
