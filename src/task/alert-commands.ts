import { readConfig } from "../config";
import {
  type AlertDestination,
  type AlertDestinationInput,
  toAlertDestination,
} from "../core/alerts";
import { BelfryError, invalidField } from "../core/errors";
import { targetUrlError } from "../core/url-policy";
import { alertDestinationOf, setAlertDestination } from "../db/alerts";
import { database } from "../db/client";
import { findProject } from "../db/projects";
import { pushSigningKeys } from "./commands";

// A project's alert destination (docs/operations.md, "Alerts"): kept in D1 with the project,
// and carried to its tasks' objects with the signing secrets (task/signing-keys.ts).

/** The project's alert destination; a 404 when it has none. */
export async function getAlertDestination(env: Env, projectId: string): Promise<AlertDestination> {
  const project = await findProject(database(env.DB), projectId);
  const destination = project ? alertDestinationOf(project) : null;
  if (!destination) throw new BelfryError("not_found", "the project has no alert destination");
  return destination;
}

/**
 * Set the project's alert destination, checked against the URL policy a task's url meets.
 * `tell` runs the push that brings it to the project's running tasks at once (the rest read it
 * within a minute), in the background where the caller has one.
 */
export async function putAlertDestination(
  env: Env,
  projectId: string,
  input: AlertDestinationInput,
  tell: (push: Promise<unknown>) => void,
): Promise<AlertDestination> {
  const error = targetUrlError(input.url, readConfig(env).allowPrivateUrls);
  if (error) throw invalidField("url", error);
  const destination = toAlertDestination(input);
  if (!(await setAlertDestination(database(env.DB), projectId, destination))) {
    throw new BelfryError("not_found", "project not found");
  }
  tell(pushSigningKeys(env, projectId));
  return destination;
}

/** Remove the project's alert destination; `removed` is false when it had none. */
export async function removeAlertDestination(
  env: Env,
  projectId: string,
  tell: (push: Promise<unknown>) => void,
): Promise<{ removed: boolean }> {
  const project = await findProject(database(env.DB), projectId);
  if (!project || !alertDestinationOf(project)) return { removed: false };
  await setAlertDestination(database(env.DB), projectId, null);
  tell(pushSigningKeys(env, projectId));
  return { removed: true };
}
