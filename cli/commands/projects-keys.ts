import type { BelfryClient, IssuedKey, RevokedKey, RotatedSecret } from "../client";
import { type CommandOutput, fields, instant } from "../output";

/** `belfry projects issue-key PROJECT` (admin): another API key for a project. */
export async function projectsIssueKey(
  client: BelfryClient,
  projectId: string,
): Promise<CommandOutput<IssuedKey>> {
  const issued = await client.issueKey(projectId);
  const text = fields([
    ["api key", issued.api_key],
    ["key id", issued.key_id],
  ]);
  return { data: issued, text: `${text}\nKeep the API key now: it is not shown again.` };
}

/** `belfry projects revoke-key PROJECT KEY_ID` (admin): the key fails on its next request. */
export async function projectsRevokeKey(
  client: BelfryClient,
  projectId: string,
  keyId: string,
): Promise<CommandOutput<RevokedKey>> {
  const revoked = await client.revokeKey(projectId, keyId);
  return { data: revoked, text: `Revoked key ${revoked.key_id}.` };
}

/** `belfry projects rotate-secret PROJECT` (admin): a new signing secret. */
export async function projectsRotateSecret(
  client: BelfryClient,
  projectId: string,
): Promise<CommandOutput<RotatedSecret>> {
  const rotated = await client.rotateSigningSecret(projectId);
  const text = fields([
    ["signing secret", rotated.signing_secret],
    ["old one valid until", instant(rotated.previous_valid_until)],
  ]);
  return {
    data: rotated,
    text: `${text}\nKeep the signing secret now: it is not shown again. Calls carry both signatures until then.`,
  };
}
