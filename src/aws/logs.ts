/** LogReader over CloudWatch Logs: a stream read forward, page by page. */
import { type CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { LogReader } from '../pipeline/ports.ts';
import { isAwsError } from './errors.ts';

export function createLogReader(client: () => CloudWatchLogsClient): LogReader {
  return {
    async readStream(group, stream, nextToken) {
      try {
        const out = await client().send(
          new GetLogEventsCommand({
            logGroupName: group,
            logStreamName: stream,
            startFromHead: true,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        const events = (out.events ?? []).map((e) => ({
          timestamp: new Date(e.timestamp ?? 0),
          message: e.message ?? '',
        }));
        // The forward token comes back unchanged when there is nothing new: pass it again next time.
        const token = out.nextForwardToken ?? nextToken;
        return token ? { events, nextToken: token } : { events };
      } catch (err) {
        // A task's stream appears only once its container has written to it.
        if (isAwsError(err, 'ResourceNotFoundException'))
          return nextToken ? { events: [], nextToken } : { events: [] };
        throw err;
      }
    },

    async readTail(group, stream, limit) {
      try {
        // Without a token, startFromHead=false with a limit is the stream's last `limit` events.
        const out = await client().send(
          new GetLogEventsCommand({
            logGroupName: group,
            logStreamName: stream,
            startFromHead: false,
            limit,
          }),
        );
        return (out.events ?? []).map((e) => ({
          timestamp: new Date(e.timestamp ?? 0),
          message: e.message ?? '',
        }));
      } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException')) return [];
        throw err;
      }
    },
  };
}
