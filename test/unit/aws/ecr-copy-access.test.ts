import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createEcrAccess, registryLogin } from '../../../src/aws/ecr-copy-access.ts';
import { FerryError } from '../../../src/errors.ts';

const ecr = mockClient(ECRClient);
afterEach(() => ecr.reset());

const token = (text: string) => Buffer.from(text).toString('base64');

describe('ECR registry login', () => {
  it('decodes the base64 token into user AWS and the password (which may contain colons)', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        {
          authorizationToken: token('AWS:pass:word=='),
          proxyEndpoint: 'https://111111111111.dkr.ecr.eu-west-1.amazonaws.com',
        },
      ],
    });
    const login = await registryLogin(new ECRClient({ region: 'eu-west-1' }));
    expect(login).toMatchObject({
      username: 'AWS',
      password: 'pass:word==',
      proxyEndpoint: 'https://111111111111.dkr.ecr.eu-west-1.amazonaws.com',
    });
  });

  it('refuses a token without a password (exit 2)', async () => {
    ecr
      .on(GetAuthorizationTokenCommand)
      .resolves({ authorizationData: [{ authorizationToken: token('AWS') }] });
    const err = await registryLogin(new ECRClient({ region: 'eu-west-1' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).exitCode).toBe(2);
  });

  it('builds its client with the region and endpoint of the environment it is given', async () => {
    const access = createEcrAccess({
      region: 'eu-central-1',
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' },
    });
    expect(await access.client.config.region()).toBe('eu-central-1');
    const endpoint = await access.client.config.endpoint?.();
    expect(endpoint?.hostname).toBe('127.0.0.1');
    expect(access.client).toBe(access.client);
  });
});
