/**
 * The Durable Object that holds task `taskId`. Its id is derived from the task id by name and
 * handed over as a plain id: the object never reads its own name, and local `wrangler dev`
 * wraps every object reached by name with a SQL write of that name at each start (for its
 * storage explorer), which no deployment does. So objects start locally as they do deployed.
 */
export function taskObject(env: Pick<Env, "TASKS">, taskId: string) {
  const { TASKS } = env;
  return TASKS.get(TASKS.idFromString(TASKS.idFromName(taskId).toString()));
}
