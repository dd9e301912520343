// `pulumi preview --policy-pack stacks/policy` (from the stacks directory: `--policy-pack policy`).
import { PolicyPack } from '@pulumi/policy';
import { policies } from './policies.ts';

new PolicyPack('ferry-guardrails', { policies });
