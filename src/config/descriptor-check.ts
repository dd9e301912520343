import { describeIssues } from './issues.ts';
import { type Descriptor, descriptorSchema } from './schema.ts';

export interface DescriptorProblem {
  /** Dotted JSON path of the field, e.g. `services.0.baseUrl`; `(top level)` for the document. */
  path: string;
  /** The whole line: `services.0.baseUrl: use an http(s) URL`. */
  line: string;
}

/** Every problem of a descriptor at once (none when ferry can use it). */
export function descriptorProblems(value: unknown): DescriptorProblem[] {
  const result = descriptorSchema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    // zod words a missing field as a type error ("expected string, received undefined").
    const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
    return { path, line: missing ? `${path}: missing; add it` : describeIssues([issue])[0]! };
  });
}

const ECR_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(.+)$/;
const ARN = /^arn:[a-z-]+:[a-z0-9-]+:([a-z0-9-]*):(\d{12}|):/;

/**
 * Things a valid descriptor may still get wrong: values that disagree with each other. They
 * can be deliberate (an image registry in another account), so they warn rather than fail.
 */
export function descriptorWarnings(d: Descriptor): DescriptorProblem[] {
  const warnings: DescriptorProblem[] = [];
  const warn = (path: string, message: string) => warnings.push({ path, line: `${path}: ${message}` });
  const ecr = ECR_URI.exec(d.repository.uri);
  if (!ecr) {
    warn(
      'repository.uri',
      `"${d.repository.uri}" is not an ECR repository URI (<account>.dkr.ecr.<region>.amazonaws.com/<name>)`,
    );
  } else {
    const [, account, region, name] = ecr;
    if (account !== d.accountId)
      warn('repository.uri', `is in account ${account}, but accountId is ${d.accountId}`);
    if (region !== d.region) warn('repository.uri', `is in region ${region}, but region is ${d.region}`);
    if (name !== d.repository.name)
      warn('repository.uri', `names repository "${name}", but repository.name is "${d.repository.name}"`);
  }
  d.services.forEach((s, i) => {
    const arn = s.targetGroupArn ? ARN.exec(s.targetGroupArn) : undefined;
    if (arn && (arn[1] !== d.region || arn[2] !== d.accountId)) {
      warn(
        `services.${i}.targetGroupArn`,
        `is in ${arn[2]}/${arn[1]}, but the environment is ${d.accountId}/${d.region}`,
      );
    }
  });
  d.network.subnets.forEach((id, i) => {
    if (!id.startsWith('subnet-')) warn(`network.subnets.${i}`, `"${id}" is not a subnet id (subnet-...)`);
  });
  d.network.securityGroups.forEach((id, i) => {
    if (!id.startsWith('sg-'))
      warn(`network.securityGroups.${i}`, `"${id}" is not a security group id (sg-...)`);
  });
  return warnings;
}
