// A connection that never opened is "nothing answers"; one that opened and then hung is a timeout of
// the call, named, and not an access problem.
import { describe, expect, it } from 'vitest';
import {
  AwsRequestTimeout,
  accessError,
  describeAwsError,
  isRequestTimeout,
} from '../../../src/aws/errors.ts';

const endpoint = 'http://127.0.0.1:4566';
// The SDK's (@smithy/node-http-handler) own errors, as it builds them.
const sdkError = (message: string, extra: Record<string, string> = {}) =>
  Object.assign(new Error(message), { name: 'TimeoutError', ...extra });
const connectTimeout = sdkError(
  '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 5000 ms.',
);
const requestTimeout = sdkError(
  '@smithy/node-http-handler - [ERROR] a request has exceeded the configured 500 ms requestTimeout.',
  { code: 'ETIMEDOUT' },
);
const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });

describe('an AWS call that fails on the network', () => {
  it('with no connection (refused, or none within the connect timeout): nothing answers at the endpoint', () => {
    for (const err of [refused, connectTimeout]) {
      expect(isRequestTimeout(err)).toBe(false);
      expect(accessError(err, endpoint)?.message).toBe(
        `nothing answers at AWS_ENDPOINT_URL=${endpoint}; is \`ferry sandbox\` running? (unset AWS_ENDPOINT_URL to use AWS itself)`,
      );
    }
  });

  it('connected but unanswered: not an access error; says which call did not answer within how long', () => {
    const named = new AwsRequestTimeout('SSM GetParameter', 500, requestTimeout);
    for (const err of [requestTimeout, named]) {
      expect(isRequestTimeout(err)).toBe(true);
      expect(accessError(err, endpoint)).toBeUndefined();
      expect(describeAwsError(err)).toContain('the request timed out, every retry too');
    }
    expect(describeAwsError(named)).toMatch(/^AWS did not answer SSM GetParameter within 0\.5s: /);
  });
});
