// Config switches, each a fresh run of the program (vi.resetModules re-evaluates stacks/index.ts).

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runStack } from './harness.ts';

const CERT = 'arn:aws:acm:eu-west-1:111111111111:certificate/0f6a9c5e-8d1b-4a7c-9e2f-1b3c5d7e9f00';

beforeEach(() => {
  vi.resetModules();
});

describe('stack config switches', () => {
  it('serves HTTPS with the configured certificate and redirects HTTP to it', async () => {
    const run = await runStack('staging', {
      'ferry-stacks:certificateArn': CERT,
      'ferry-stacks:domainName': 'staging.shop.example',
    });
    const listeners = run.ofType('aws:lb/listener:Listener').map((l) => l.inputs);
    const tg = run.one('aws:lb/targetGroup:TargetGroup').state.arn;
    expect(listeners).toHaveLength(2);
    expect(listeners.find((l) => l.port === 443)).toMatchObject({
      protocol: 'HTTPS',
      certificateArn: CERT,
      defaultActions: [{ type: 'forward', targetGroupArn: tg }],
    });
    expect(listeners.find((l) => l.port === 80)).toMatchObject({
      protocol: 'HTTP',
      defaultActions: [
        { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } },
      ],
    });
    expect(listeners.find((l) => l.port === 80)?.certificateArn).toBeUndefined();
    const albIngress = run
      .ofType('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule')
      .filter((r) => r.name.includes('-alb-in-'))
      .map((r) => r.inputs.fromPort);
    expect(new Set(albIngress)).toEqual(new Set([80, 443]));
    expect(run.outputs.descriptor.services[0].baseUrl).toBe('https://staging.shop.example');
  });

  it('looks the OIDC provider up when the account already has one', async () => {
    const run = await runStack('staging', { 'ferry-stacks:githubOidcProvider': 'existing' });
    expect(run.ofType('aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toEqual([]);
    expect(run.calls.map((c) => c.token)).toContain(
      'aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider',
    );
  });

  it('gives staging one NAT gateway per AZ when asked', async () => {
    const run = await runStack('staging', { 'ferry-stacks:natGateways': 'perAz' });
    expect(run.ofType('aws:ec2/natGateway:NatGateway')).toHaveLength(2);
  });

  it('lets production share a single NAT gateway when asked', async () => {
    const run = await runStack('production', { 'ferry-stacks:natGateways': 'single' });
    expect(run.ofType('aws:ec2/natGateway:NatGateway')).toHaveLength(1);
  });

  it('applies production database settings to an environment flagged production', async () => {
    const run = await runStack('staging', {
      'ferry-stacks:environment': 'prod-eu',
      'ferry-stacks:production': 'true',
    });
    expect(run.one('aws:rds/instance:Instance').inputs).toMatchObject({
      identifier: 'shop-prod-eu',
      multiAz: true,
      deletionProtection: true,
      backupRetentionPeriod: 14,
    });
    expect(run.outputs.descriptorParameter).toBe('/ferry/shop/prod-eu/descriptor');
  });
});
