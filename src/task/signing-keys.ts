import type { AlertDestination } from "../core/alerts";
import { alertDestinationOf } from "../db/alerts";
import { type ProjectKeysRow, projectKeysStatement } from "../db/projects";
import { meter } from "../metering";

/** How long the secrets a task holds are used before D1 is asked whether they changed. */
const REFRESH_AFTER_MS = 60_000;

export interface StoredSecrets {
  project_id: string;
  values: string[];
  /** The project's alert destination, read with the secrets (absent when stored before it). */
  alerts?: AlertDestination | null;
}

/**
 * The project's signing secrets as one task holds them: kept in the object's storage, so a
 * call is signed even while D1 is unreachable. Read from D1 once; afterwards checked at most
 * once a minute in the background (a rotation reaches every task within that), and written
 * again only when they changed. The project's alert destination travels with them: the same
 * read, the same refresh, the same push when it changes.
 */
export class SigningKeys {
  /**
   * When the secrets held were last known current. Those stored were checked when stored or
   * pushed since (a rotation reaches the task as it happens): a task that restarts signs with
   * them for a while before asking D1 again.
   */
  private checkedAt = Date.now();
  private refreshing: Promise<void> | null = null;

  /** `stored`: the secrets as the object's storage held them when it started. */
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
    private readonly waitUntil: (promise: Promise<unknown>) => void,
    private stored: StoredSecrets | undefined,
  ) {}

  /** The secrets to sign with now (two during a rotation). */
  async current(projectId: string): Promise<string[]> {
    const stored = this.stored;
    if (!stored || stored.project_id !== projectId) {
      await this.refresh(projectId);
      return this.stored?.values ?? [];
    }
    if (Date.now() - this.checkedAt > REFRESH_AFTER_MS && !this.refreshing) {
      const refreshing = this.refresh(projectId)
        .catch((error: unknown) => {
          // D1 unreachable: the secrets held keep signing.
          console.warn(JSON.stringify({ event: "secrets_refresh_failed", error: String(error) }));
        })
        .finally(() => {
          this.refreshing = null;
        });
      this.refreshing = refreshing;
      this.waitUntil(refreshing);
    }
    return stored.values;
  }

  /** The project's alert destination as last read (with the secrets), or null for none. */
  alertDestination(): AlertDestination | null {
    return this.stored?.alerts ?? null;
  }

  /** The object's storage was deleted: nothing is held any more, in storage or here. */
  forget(): void {
    this.stored = undefined;
  }

  /** Read the secrets from D1 now (a rotation just happened, or none are held yet). */
  async refresh(projectId: string): Promise<void> {
    const row = await projectKeysStatement(this.env.DB, projectId).first<ProjectKeysRow>();
    this.adopt(projectId, row);
  }

  /** Hold the secrets and alert destination of `row` (null: the project is gone), read just now. */
  adopt(projectId: string, row: ProjectKeysRow | null): void {
    const now = Date.now();
    this.checkedAt = now;
    const values: string[] = [];
    if (row?.signingSecret) {
      values.push(row.signingSecret);
      const { previousSigningSecret, previousValidUntil } = row;
      if (previousSigningSecret && previousValidUntil !== null && previousValidUntil > now) {
        values.push(previousSigningSecret);
      }
    }
    const alerts = row ? alertDestinationOf(row) : null;
    const held = this.stored;
    const same =
      held?.project_id === projectId &&
      held.values.length === values.length &&
      held.values.every((v, i) => v === values[i]) &&
      JSON.stringify(held.alerts ?? null) === JSON.stringify(alerts);
    if (same) return;
    this.stored = { project_id: projectId, values, alerts };
    this.storage.kv.put("secrets", this.stored);
    meter("do_rows_written");
  }
}
