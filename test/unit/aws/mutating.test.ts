import { describe, expect, it } from 'vitest';
import { isMutatingOperation } from '../../../src/aws/mutating.ts';

describe('isMutatingOperation', () => {
  it.each([
    'PutParameter',
    'DeleteParameter',
    'UpdateService',
    'RegisterTaskDefinition',
    'RunTask',
    'StopTask',
    'CreateDBSnapshot',
    'DeleteDBClusterSnapshot',
    'PutImage',
    'BatchDeleteImage',
    'InitiateLayerUpload',
    'UploadLayerPart',
    'CompleteLayerUpload',
    'TagResource',
    'SomeOperationFerryDoesNotUseYet',
  ])('%s may change something', (operation) => {
    expect(isMutatingOperation(operation)).toBe(true);
  });

  it.each([
    'GetParameter',
    'GetParameterHistory',
    'DescribeServices',
    'DescribeImages',
    'ListTasks',
    'BatchGetImage',
    'BatchCheckLayerAvailability',
    'GetAuthorizationToken',
    'GetCallerIdentity',
    'AssumeRole',
    'AssumeRoleWithWebIdentity',
    'SimulatePrincipalPolicy',
    'FilterLogEvents',
  ])('%s only reads', (operation) => {
    expect(isMutatingOperation(operation)).toBe(false);
  });
});
