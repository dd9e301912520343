/** AlarmReader over CloudWatch: the state of a service's deployment alarms. */
import { type CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { AlarmReader, AlarmState } from '../pipeline/ports.ts';

/** DescribeAlarms takes at most 100 names a call. */
const NAMES_PER_CALL = 100;

export function createAlarmReader(client: () => CloudWatchClient): AlarmReader {
  return {
    async describeAlarms(names) {
      const alarms: MetricAlarm[] = [];
      for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
        let nextToken: string | undefined;
        do {
          const out = await client().send(
            new DescribeAlarmsCommand({
              AlarmNames: names.slice(i, i + NAMES_PER_CALL),
              AlarmTypes: ['MetricAlarm'],
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
          );
          alarms.push(...(out?.MetricAlarms ?? []));
          nextToken = out?.NextToken;
        } while (nextToken);
      }
      return alarms.map(toAlarmState);
    },
  };
}

function toAlarmState(alarm: MetricAlarm): AlarmState {
  const state: AlarmState = { name: alarm.AlarmName ?? '', state: alarm.StateValue ?? 'INSUFFICIENT_DATA' };
  if (alarm.StateReason) state.reason = alarm.StateReason;
  return state;
}
