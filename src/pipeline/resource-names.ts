/** Where ferry keeps its state (docs/architecture.md, "State in AWS"), and how it names what it makes. */

export const descriptorParameter = (app: string, env: string) => `/ferry/${app}/${env}/descriptor`;
export const lockParameter = (app: string, env: string) => `/ferry/${app}/${env}/lock`;
/** The create-only claim that makes the takeover of one expired lock (by its run id) exclusive. */
export const takeoverClaimParameter = (app: string, env: string, expiredRunId: string) =>
  `/ferry/${app}/${env}/lock-takeover/${expiredRunId.replace(/[^\w.-]/g, '_')}`;
export const ledgerParameter = (app: string, env: string) => `/ferry/${app}/${env}/releases`;

export const TAG_SHA = 'ferry:sha';
export const TAG_DIGEST = 'ferry:digest';
/** Marks snapshots ferry made: retention only ever deletes snapshots carrying it. */
export const TAG_MANAGED = 'ferry:managed';
export const TAG_ENV = 'ferry:env';
export const VERSION_VARIABLE = 'APP_VERSION';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `ferry-<env>-<sha7>-<yyyymmddhhmmss>` in UTC: sortable, unique per second, a valid RDS identifier. */
export function snapshotName(env: string, sha: string, at: Date): string {
  const stamp =
    pad(at.getUTCFullYear(), 4) +
    pad(at.getUTCMonth() + 1) +
    pad(at.getUTCDate()) +
    pad(at.getUTCHours()) +
    pad(at.getUTCMinutes()) +
    pad(at.getUTCSeconds());
  return `ferry-${env}-${sha.slice(0, 7)}-${stamp}`;
}

/** The task id at the end of a task ARN: awslogs names streams `<prefix>/<container>/<taskId>`. */
export function taskId(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1);
}

export function migrationLogStream(prefix: string | undefined, container: string, taskArn: string): string {
  return `${prefix ? `${prefix}/` : ''}${container}/${taskId(taskArn)}`;
}
