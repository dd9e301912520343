import type { JsonService } from '../protocol/types.ts';

export interface SandboxAlarm {
  name: string;
  arn: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason: string;
  updatedAt: number;
  metricName: string;
}

/** CloudWatch metric alarms, states set by the control API (the sandbox has no metrics). */
export class AlarmStore {
  readonly alarms = new Map<string, SandboxAlarm>();

  upsert(alarm: Omit<SandboxAlarm, 'updatedAt'>, now: number): SandboxAlarm {
    const stored = { ...alarm, updatedAt: now };
    this.alarms.set(alarm.name, stored);
    return stored;
  }
}

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

/**
 * The @aws-sdk/client-cloudwatch this project installs speaks awsJson1_0 to
 * CloudWatch (target `GraniteServiceVersion20100801`); older ones used awsQuery.
 */
export function cloudwatchService(store: AlarmStore): JsonService {
  return {
    service: 'cloudwatch',
    targetPrefix: 'GraniteServiceVersion20100801',
    operations: {
      DescribeAlarms: (params) => {
        const names = params.AlarmNames as string[] | undefined;
        const types = params.AlarmTypes as string[] | undefined;
        const wantMetric = !types || types.includes('MetricAlarm');
        const alarms = [...store.alarms.values()].filter(
          (a) => wantMetric && (!names || names.includes(a.name)),
        );
        return {
          MetricAlarms: alarms.map((a) => ({
            AlarmName: a.name,
            AlarmArn: a.arn,
            StateValue: a.state,
            StateReason: a.reason,
            StateUpdatedTimestamp: a.updatedAt / 1000,
            MetricName: a.metricName,
            Namespace: 'AWS/ApplicationELB',
            ActionsEnabled: true,
          })),
          CompositeAlarms: [],
        };
      },
    },
  };
}
