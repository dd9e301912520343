import {
  DescribeImagesCommand,
  ECRClient,
  ImageNotFoundException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createImageRegistry } from '../../../src/aws/ecr.ts';
import { FerryError } from '../../../src/errors.ts';

const ecr = mockClient(ECRClient);
const client = new ECRClient({ region: 'eu-west-1' });
const registry = createImageRegistry(() => client);
const digest = `sha256:${'a'.repeat(64)}`;

afterEach(() => ecr.reset());

describe('ECR image registry', () => {
  it('resolves a tag to its digest by DescribeImages with the tag', async () => {
    const pushedAt = new Date('2026-11-01T10:00:00Z');
    ecr
      .on(DescribeImagesCommand)
      .resolves({ imageDetails: [{ imageDigest: digest, imagePushedAt: pushedAt }] });
    expect(await registry.findImageByTag('shop-staging', 'abc1234')).toEqual({ digest, pushedAt });
    expect(ecr.commandCalls(DescribeImagesCommand)[0]?.args[0].input).toEqual({
      repositoryName: 'shop-staging',
      imageIds: [{ imageTag: 'abc1234' }],
    });
  });

  it('answers undefined for a tag the repository does not have', async () => {
    ecr
      .on(DescribeImagesCommand)
      .rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} }));
    expect(await registry.findImageByTag('shop-staging', 'abc1234')).toBeUndefined();
  });

  it('looks a digest up by imageDigest', async () => {
    ecr
      .on(DescribeImagesCommand, { imageIds: [{ imageDigest: digest }] })
      .resolves({ imageDetails: [{ imageDigest: digest }] })
      .on(DescribeImagesCommand, { imageIds: [{ imageDigest: `sha256:${'b'.repeat(64)}` }] })
      .rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} }));
    expect(await registry.hasDigest('shop-production', digest)).toBe(true);
    expect(await registry.hasDigest('shop-production', `sha256:${'b'.repeat(64)}`)).toBe(false);
  });

  it('names the repository when it does not exist (exit 2)', async () => {
    ecr
      .on(DescribeImagesCommand)
      .rejects(new RepositoryNotFoundException({ message: 'no repo', $metadata: {} }));
    const err = await registry.findImageByTag('shop-typo', 'abc1234').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).exitCode).toBe(2);
    expect((err as FerryError).message).toContain('shop-typo');
  });
});
