/** `ferry status` on a terminal: per environment its services, lock and recent releases, or why it was not read. */
import { describeHolder } from '../../pipeline/lock.ts';
import type { EnvironmentStatus } from '../../pipeline/status.ts';
import { releaseTable } from '../release-table.ts';
import { ellipsize } from './shorten.ts';
import { renderTable } from './table.ts';

export function renderStatus(status: EnvironmentStatus): string {
  return [
    status.env,
    indent(
      renderTable(
        ['service', 'sha', 'digest', 'rollout', 'running', 'deployments'],
        status.services.map((s) => [
          ellipsize(s.name, 24),
          s.sha?.slice(0, 12) ?? '?',
          s.digest?.slice(0, 19) ?? '?',
          s.rolloutState ?? '-',
          `${s.running}/${s.desired}`,
          String(s.deployments),
        ]),
      ),
    ),
    `  lock: ${status.lock ? describeHolder(status.lock) : 'free'}`,
    indent(releaseTable(status.releases)),
  ].join('\n');
}

export function renderUnread(env: string, reason: string, hints: readonly string[]): string {
  return `${env}\n  not read: ${reason}${hints.map((h) => `\n    ${h}`).join('')}`;
}

export function unreadNote(unreadable: readonly string[]): string {
  return `could not read ${unreadable.join(', ')}; read the others (run \`ferry status <env>\` with that environment's credentials)`;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
