import { REGION_PATTERN } from '../config/aws-identifiers.ts';
import { isValidName, NAME_RULE } from '../config/name-rule.ts';

/** What `ferry init` asks for: each value's flag, its question, and the check it must pass. */
export interface InitValues {
  app: string;
  region: string;
  stagingAccount: string;
  productionAccount: string;
  /** `OWNER/REPO`. */
  githubRepo: string;
  /** Numeric ids of the repository's owner and of the repository (OIDC subjects of renamed repositories). */
  githubOwnerId?: string;
  githubRepositoryId?: string;
}

export interface InitField {
  key: keyof InitValues;
  flag: string;
  question: string;
  required: boolean;
  /** Why `value` is not acceptable, or undefined when it is. */
  problem(value: string): string | undefined;
}

const check = (pattern: RegExp, hint: string) => (value: string) => (pattern.test(value) ? undefined : hint);
const account = check(/^\d{12}$/, 'use the 12-digit AWS account id, such as 111111111111');
const numericId = check(/^\d{1,20}$/, 'use the numeric id (gh api repos/OWNER/REPO --jq ...)');

export const INIT_FIELDS: readonly InitField[] = [
  {
    key: 'app',
    flag: '--app',
    question: 'Application name (lowercase letters, digits, hyphens)',
    required: true,
    problem: (value) => (isValidName(value) ? undefined : NAME_RULE),
  },
  {
    key: 'region',
    flag: '--region',
    question: 'AWS region',
    required: true,
    problem: check(REGION_PATTERN, 'use an AWS region such as eu-west-1'),
  },
  {
    key: 'stagingAccount',
    flag: '--staging-account',
    question: 'AWS account id for staging',
    required: true,
    problem: account,
  },
  {
    key: 'productionAccount',
    flag: '--production-account',
    question: 'AWS account id for production (may be the staging one)',
    required: true,
    problem: account,
  },
  {
    key: 'githubRepo',
    flag: '--github-repo',
    question: 'GitHub repository (OWNER/REPO)',
    required: true,
    problem: check(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'use OWNER/REPO, such as acme/shop'),
  },
  {
    key: 'githubOwnerId',
    flag: '--github-owner-id',
    question: 'GitHub owner id (gh api repos/OWNER/REPO --jq .owner.id; empty to set later)',
    required: false,
    problem: numericId,
  },
  {
    key: 'githubRepositoryId',
    flag: '--github-repository-id',
    question: 'GitHub repository id (gh api repos/OWNER/REPO --jq .id; empty to set later)',
    required: false,
    problem: numericId,
  },
];

/** The AWS partition of a region's ARNs. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
