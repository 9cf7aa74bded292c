import type { BelfryClient, CreatedProject } from "../client";
import { type CommandOutput, fields, instant } from "../output";

/** `belfry projects create NAME` (admin): a project and its first API key. */
export async function projectsCreate(
  client: BelfryClient,
  name: string,
): Promise<CommandOutput<CreatedProject>> {
  const created = await client.createProject(name);
  const text = fields([
    ["project", `${created.project.id} (${created.project.name})`],
    ["created", instant(created.project.created_at)],
    ["api key", created.api_key],
    ["key id", created.key_id],
    ["signing secret", created.signing_secret],
  ]);
  return {
    data: created,
    text: `${text}\nKeep the API key and the signing secret now: they are not shown again.`,
  };
}
