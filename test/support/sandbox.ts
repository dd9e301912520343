import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.ts';

export interface TestSandbox extends Sandbox {
  /** Environment for subprocesses (bin/ferry) and SDK clients: endpoint, region, fake static credentials. */
  env: Record<string, string>;
  region: string;
  /** Client config for the real @aws-sdk clients. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
  };
}

/** Starts a sandbox on a free port (time x60 unless told) for one test file; call stop() in afterAll. */
export async function startTestSandbox(
  opts: SandboxOptions & { region?: string } = {},
): Promise<TestSandbox> {
  const { region = 'eu-west-1', ...options } = opts;
  const sandbox = await startSandbox({ timeScale: 60, ...options });
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  return {
    ...sandbox,
    stop: () => sandbox.stop(),
    region,
    env: {
      AWS_ENDPOINT_URL: sandbox.endpoint,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    clientConfig: { endpoint: sandbox.endpoint, region, credentials, maxAttempts: 3 },
  };
}
