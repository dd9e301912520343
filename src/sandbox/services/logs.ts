import { AwsError } from '../protocol/errors.ts';
import type { JsonService } from '../protocol/types.ts';

interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

/** CloudWatch Logs groups and streams that awslogs-configured tasks write to. */
export class LogsStore {
  readonly groups = new Map<string, Map<string, LogEvent[]>>();

  write(group: string, stream: string, timestamp: number, lines: string[]): void {
    const streams = this.groups.get(group) ?? new Map<string, LogEvent[]>();
    this.groups.set(group, streams);
    const events = streams.get(stream) ?? [];
    streams.set(stream, events);
    lines.forEach((message, i) => {
      events.push({ timestamp: timestamp + i, message, ingestionTime: timestamp + i + 200 });
    });
  }
}

function groupOf(store: LogsStore, name: unknown): Map<string, LogEvent[]> {
  const group = store.groups.get(String(name ?? ''));
  if (!group) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
  return group;
}

/** Tokens carry the position: `f/<index>` forward, `b/<index>` backward, like CloudWatch's opaque ones. */
export function logsService(store: LogsStore): JsonService {
  return {
    service: 'logs',
    targetPrefix: 'Logs_20140328',
    operations: {
      GetLogEvents: (params) => {
        const events = groupOf(store, params.logGroupName).get(String(params.logStreamName ?? ''));
        if (!events)
          throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
        const limit = Math.min(Number(params.limit ?? 10_000), 10_000);
        const inRange = events.filter(
          (e) =>
            (params.startTime === undefined || e.timestamp >= Number(params.startTime)) &&
            (params.endTime === undefined || e.timestamp < Number(params.endTime)),
        );
        let start: number;
        const token = typeof params.nextToken === 'string' ? params.nextToken : undefined;
        if (token) {
          const [dir, pos] = token.split('/');
          start = dir === 'f' ? Number(pos) : Math.max(0, Number(pos) - limit);
        } else {
          start = params.startFromHead === true ? 0 : Math.max(0, inRange.length - limit);
        }
        const page = inRange.slice(start, start + limit);
        return {
          events: page,
          nextForwardToken: `f/${start + page.length}`,
          nextBackwardToken: `b/${start}`,
        };
      },
      FilterLogEvents: (params) => {
        const group = groupOf(store, params.logGroupName);
        const names = params.logStreamNames as string[] | undefined;
        const prefix = params.logStreamNamePrefix as string | undefined;
        const pattern =
          typeof params.filterPattern === 'string' ? params.filterPattern.replace(/^"|"$/g, '') : '';
        const events = [];
        for (const [stream, list] of group) {
          if (names && !names.includes(stream)) continue;
          if (prefix && !stream.startsWith(prefix)) continue;
          for (const [i, e] of list.entries()) {
            if (params.startTime !== undefined && e.timestamp < Number(params.startTime)) continue;
            if (params.endTime !== undefined && e.timestamp > Number(params.endTime)) continue;
            if (pattern && !e.message.includes(pattern)) continue;
            events.push({ logStreamName: stream, eventId: `${stream}/${i}`, ...e });
          }
        }
        events.sort((a, b) => a.timestamp - b.timestamp);
        return { events, searchedLogStreams: [] };
      },
      DescribeLogStreams: (params) => {
        const group = groupOf(store, params.logGroupName);
        const prefix = String(params.logStreamNamePrefix ?? '');
        return {
          logStreams: [...group.entries()]
            .filter(([name]) => name.startsWith(prefix))
            .map(([logStreamName, events]) => ({
              logStreamName,
              firstEventTimestamp: events[0]?.timestamp,
              lastEventTimestamp: events.at(-1)?.timestamp,
            })),
        };
      },
    },
  };
}
