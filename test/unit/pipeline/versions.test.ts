/** Which version a revision runs, and what a service runs now: the facts every plan starts from. */
import { describe, expect, it } from 'vitest';
import type {
  DeploymentSnapshot,
  ServiceSnapshot,
  TaskDefinitionSnapshot,
} from '../../../src/pipeline/ports.ts';
import {
  carriesRelease,
  currentRevisionOf,
  familyOf,
  imageOf,
  pinnedImage,
  primaryOf,
  versionOf,
} from '../../../src/pipeline/versions.ts';
import { testDescriptor } from '../../support/fakes-release.ts';

const SHA = 'b'.repeat(40);
const DIGEST = `sha256:${'b'.repeat(64)}`;
const IMAGE = `repo@${DIGEST}`;

const def = (over: Partial<TaskDefinitionSnapshot> = {}): TaskDefinitionSnapshot => ({
  arn: 'td:1',
  family: 'web',
  revision: 1,
  status: 'ACTIVE',
  containers: [
    { name: 'sidecar', image: 'envoy', environment: { APP_VERSION: 'sidecar-version' } },
    { name: 'web', image: IMAGE, environment: { APP_VERSION: 'env-version' } },
  ],
  tags: { 'ferry:sha': SHA, 'ferry:digest': DIGEST },
  ...over,
});

const service = (
  deployments: ServiceSnapshot['deployments'],
  taskDefinitionArn = 'td:service',
): ServiceSnapshot => ({
  name: 'web',
  arn: 'svc',
  status: 'ACTIVE',
  taskDefinitionArn,
  desiredCount: 1,
  runningCount: 1,
  pendingCount: 0,
  deployments,
  events: [],
});
const deployment = (status: DeploymentSnapshot['status'], taskDefinitionArn: string): DeploymentSnapshot => ({
  id: `d-${taskDefinitionArn}`,
  status,
  taskDefinitionArn,
  desiredCount: 1,
  runningCount: 1,
  pendingCount: 0,
  failedTasks: 0,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

describe('versionOf', () => {
  it("prefers ferry's tag, then the named container's APP_VERSION, then the first container's", () => {
    expect(versionOf(def(), 'web')).toBe(SHA);
    expect(versionOf(def({ tags: {} }), 'web')).toBe('env-version');
    expect(versionOf(def({ tags: {} }), 'missing')).toBe('sidecar-version');
    expect(versionOf(def({ tags: {}, containers: [] }), 'web')).toBeUndefined();
    expect(versionOf(undefined, 'web')).toBeUndefined();
  });
});

describe('what a service runs now', () => {
  it("is the PRIMARY deployment's revision, else the service's own", () => {
    const rolling = service([deployment('ACTIVE', 'td:old'), deployment('PRIMARY', 'td:new')]);
    expect(primaryOf(rolling)?.taskDefinitionArn).toBe('td:new');
    expect(currentRevisionOf(rolling)).toBe('td:new');
    expect(currentRevisionOf(service([deployment('ACTIVE', 'td:old')]))).toBe('td:service');
    expect(primaryOf(service([]))).toBeUndefined();
  });
});

describe('carriesRelease', () => {
  it('needs the same SHA tag, the same digest tag and that exact image in the container', () => {
    expect(carriesRelease(def(), SHA, DIGEST, 'web', IMAGE)).toBe(true);
    expect(carriesRelease(def(), 'c'.repeat(40), DIGEST, 'web', IMAGE)).toBe(false);
    expect(carriesRelease(def(), SHA, 'sha256:other', 'web', IMAGE)).toBe(false);
    expect(carriesRelease(def(), SHA, DIGEST, 'sidecar', IMAGE)).toBe(false);
    expect(carriesRelease(def(), SHA, DIGEST, 'web', 'repo@sha256:other')).toBe(false);
  });
});

describe('images and families', () => {
  it('pins by digest, names a missing container, and takes a service family over the descriptor default', () => {
    expect(pinnedImage('111.dkr.ecr/shop', DIGEST)).toBe(`111.dkr.ecr/shop@${DIGEST}`);
    expect(imageOf(def(), 'web')).toBe(IMAGE);
    expect(imageOf(def(), 'nope')).toBe('(no such container)');
    const descriptor = testDescriptor();
    expect(familyOf(descriptor, { ...descriptor.services[0]!, taskDefinitionFamily: 'worker' })).toBe(
      'worker',
    );
    expect(familyOf(descriptor, descriptor.services[0]!)).toBe(descriptor.taskDefinitionFamily);
  });
});
