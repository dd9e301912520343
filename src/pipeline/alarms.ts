/**
 * Deployment alarms already in ALARM. ECS does not watch an alarm that is in
 * ALARM when a deployment starts, so such a release runs without alarm-based
 * rollback (the circuit breaker still applies). ferry says so before
 * UpdateService, and `ferry doctor` fails on it.
 */
import { type Deps, warn } from './context.ts';
import { errorText } from './poll.ts';
import type { AlarmState, Ports } from './ports.ts';

export interface FiringAlarm {
  service: string;
  alarm: AlarmState;
}

/** The deployment alarms of `services` that are in ALARM now. */
export async function firingDeploymentAlarms(
  ports: Pick<Ports, 'ecs' | 'alarms'>,
  cluster: string,
  services: string[],
): Promise<FiringAlarm[]> {
  if (!ports.alarms) return [];
  const firing: FiringAlarm[] = [];
  for (const service of services) {
    const snapshot = await ports.ecs.describeService(cluster, service);
    const alarms = snapshot.deploymentConfiguration?.alarms;
    if (!alarms?.enable || alarms.names.length === 0) continue;
    for (const alarm of await ports.alarms.describeAlarms(alarms.names)) {
      if (alarm.state === 'ALARM') firing.push({ service, alarm });
    }
  }
  return firing;
}

export function firingAlarmMessage({ service, alarm }: FiringAlarm): string {
  return `deployment alarm ${alarm.name} of ${service} is already in ALARM${alarm.reason ? ` (${alarm.reason})` : ''}: ECS ignores alarms that are in ALARM when a deployment starts, so this release has no alarm-based rollback (the circuit breaker still applies)`;
}

/** Warns about each firing deployment alarm; a failure to read them is a warning too, never a stop. */
export async function warnAboutFiringAlarms(deps: Deps, cluster: string, services: string[]): Promise<void> {
  try {
    for (const firing of await firingDeploymentAlarms(deps.ports, cluster, services)) {
      warn(deps, firingAlarmMessage(firing));
    }
  } catch (err) {
    warn(deps, `could not read the deployment alarms (${errorText(err)}); rolling out anyway`);
  }
}
