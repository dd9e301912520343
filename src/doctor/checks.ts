/**
 * `ferry doctor`: the preflight a user runs once after `pulumi up`. Every
 * check reads; none writes. A check that cannot run because an earlier one
 * failed is skipped (the earlier failure already fails the run).
 */
import type { PermissionSimulator } from '../aws/iam.ts';
import { principalToSimulate } from '../aws/iam.ts';
import type { PreflightReader } from '../aws/preflight.ts';
import { releasePermissions } from '../aws/release-permissions.ts';
import { ECS_DEPLOYMENT, ECS_DEPLOYMENT_PERCENTS } from '../config/ecs-deployment.ts';
import type { Descriptor } from '../config/schema.ts';
import { isFerryError } from '../errors.ts';
import { firingAlarmMessage, firingDeploymentAlarms } from '../pipeline/alarms.ts';
import { describeHolder, isExpired, readLock } from '../pipeline/lock.ts';
import { errorText } from '../pipeline/poll.ts';
import type { Ports, ServiceSnapshot } from '../pipeline/ports.ts';
import { healthUrl } from '../pipeline/verify-release.ts';

export type CheckName =
  | 'credentials'
  | 'descriptor'
  | 'permissions'
  | 'service'
  | 'alarms'
  | 'repository'
  | 'image'
  | 'database'
  | 'snapshot-quota'
  | 'health'
  | 'lock';

/** `warn` is reported but does not fail the run; `skip` means a check it needs failed. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  check: CheckName;
  status: CheckStatus;
  summary: string;
  fix?: string;
  /** The exact items behind a failure (missing permissions, ...). */
  items?: string[];
}

export interface DoctorRequest {
  app: string;
  env: string;
  region: string;
  roleArn?: string;
  sha?: string;
  health: { path: string; expectStatus: number };
  /** The environment receives images through `ferry promote` (a GitHub environment job deploys it). */
  promoted: boolean;
  promoteFrom?: string;
  /** The OIDC subject a GitHub job deploying this environment presents (or would present). */
  githubSubject: string;
  /** How many snapshots a release may need to find room for (retention keeps this many). */
  snapshotsKept: number;
}

export interface DoctorDeps {
  ports: Ports;
  reader: PreflightReader;
  permissions: PermissionSimulator;
  loadDescriptor: () => Promise<Descriptor>;
  now: () => Date;
  /** Each result as soon as it is known (for --json events and live output). */
  onCheck: (result: CheckResult) => void;
}

const HEALTH_TIMEOUT_MS = 5_000;
const NEEDS_DESCRIPTOR = ['permissions', 'service', 'repository', 'database', 'health'] as const;
const NEEDS_CREDENTIALS = ['descriptor', ...NEEDS_DESCRIPTOR, 'lock'] as const;

export async function runDoctor(deps: DoctorDeps, req: DoctorRequest): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const report = (r: CheckResult) => {
    results.push(r);
    deps.onCheck(r);
  };
  const identity = await checkCredentials(deps, req);
  report(identity.result);
  if (!identity.arn) {
    for (const check of NEEDS_CREDENTIALS) report(skipped(check, 'credentials'));
    return results;
  }
  const { result, descriptor: d } = await checkDescriptor(deps, req);
  report(result);
  if (!d) {
    for (const check of NEEDS_DESCRIPTOR) report(skipped(check, 'descriptor'));
    report(await checkLock(deps, req));
    return results;
  }
  const service = await readService(deps, d);
  report(await checkPermissions(deps, req, d, identity.arn, service.snapshot));
  report(service.result);
  if (service.snapshot) report(await checkAlarms(deps, d));
  for (const r of await checkRepository(deps, req, d)) report(r);
  for (const r of await checkDatabase(deps, req, d)) report(r);
  report(await checkHealth(deps, req, d));
  report(await checkLock(deps, req));
  return results;
}

export const failed = (results: CheckResult[]) => results.filter((r) => r.status === 'fail');

function skipped(check: CheckName, because: CheckName): CheckResult {
  return { check, status: 'skip', summary: `not checked: needs the ${because} check to pass` };
}

async function checkCredentials(
  deps: DoctorDeps,
  req: DoctorRequest,
): Promise<{ result: CheckResult; arn?: string }> {
  try {
    const who = await deps.ports.identity.whoAmI();
    const role = req.roleArn
      ? `assumed ${req.roleArn} as ${who.arn}`
      : `acting as ${who.arn} (no role configured)`;
    return {
      arn: who.arn,
      result: {
        check: 'credentials',
        status: 'pass',
        summary: `${role}; in GitHub Actions the job presents the OIDC subject ${req.githubSubject}`,
      },
    };
  } catch (err) {
    return {
      result: {
        check: 'credentials',
        status: 'fail',
        summary: `cannot act as ${req.roleArn ?? 'the default credentials'}: ${isFerryError(err) ? err.message : errorText(err)}`,
        fix: req.roleArn
          ? `the role's trust policy must allow this caller; a GitHub job deploying ${req.env} presents the subject ${req.githubSubject}, and the stacks' deploy role trusts exactly that subject`
          : 'set AWS credentials (AWS_PROFILE or keys), or roleArn for the environment in ferry.config.json',
        ...(isFerryError(err) && err.hints.length > 0 ? { items: [...err.hints] } : {}),
      },
    };
  }
}

/** The fix for a descriptor ferry could not use: a missing one is the stack's to write, a mismatch is not. */
function descriptorFix(err: unknown, req: DoctorRequest): string {
  const message = err instanceof Error ? err.message : '';
  if (/region is \S+, but ferry works in/.test(message)) {
    return "use the descriptor's region: set `region` in ferry.config.json (or pass --region), or point --descriptor at this region's environment";
  }
  if (/repository\.uri/.test(message)) {
    return "fix the descriptor's `repository.uri`: ECR of the descriptor's own account and region (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`)";
  }
  return `run \`pulumi up\` for the ${req.env} stack (it writes /ferry/${req.app}/${req.env}/descriptor), or pass --descriptor FILE`;
}

async function checkDescriptor(
  deps: DoctorDeps,
  req: DoctorRequest,
): Promise<{ result: CheckResult; descriptor?: Descriptor }> {
  let d: Descriptor;
  try {
    d = await deps.loadDescriptor();
  } catch (err) {
    return {
      result: {
        check: 'descriptor',
        status: 'fail',
        summary: isFerryError(err) ? err.message : errorText(err),
        fix: descriptorFix(err, req),
      },
    };
  }
  const problems: string[] = [];
  if (d.region !== req.region) problems.push(`its region is ${d.region}, the config's is ${req.region}`);
  if (!d.repository.uri.endsWith(`/${d.repository.name}`)) {
    problems.push(`repository.uri ${d.repository.uri} is not the URI of repository ${d.repository.name}`);
  }
  if (problems.length > 0) {
    return {
      descriptor: d,
      result: {
        check: 'descriptor',
        status: 'fail',
        summary: `the descriptor of ${d.app}/${d.environment} does not match: ${problems.join('; ')}`,
        fix: "set `region` in ferry.config.json (or --region) to the stack's region, and re-run `pulumi up` to rewrite the descriptor",
        items: problems,
      },
    };
  }
  return {
    descriptor: d,
    result: {
      check: 'descriptor',
      status: 'pass',
      summary: `${d.app}/${d.environment} in ${d.region}, account ${d.accountId}, repository ${d.repository.uri}`,
    },
  };
}

async function readService(
  deps: DoctorDeps,
  d: Descriptor,
): Promise<{ result: CheckResult; snapshot?: ServiceSnapshot }> {
  const problems: string[] = [];
  let first: ServiceSnapshot | undefined;
  for (const s of d.services) {
    let snapshot: ServiceSnapshot;
    try {
      snapshot = await deps.ports.ecs.describeService(d.cluster, s.name);
    } catch (err) {
      problems.push(`${s.name}: ${isFerryError(err) ? err.message : errorText(err)}`);
      continue;
    }
    first ??= snapshot;
    const c = snapshot.deploymentConfiguration;
    if (
      c?.minimumHealthyPercent !== ECS_DEPLOYMENT.minimumHealthyPercent ||
      c.maximumPercent !== ECS_DEPLOYMENT.maximumPercent
    ) {
      problems.push(
        `${s.name}: minimumHealthyPercent/maximumPercent are ${c?.minimumHealthyPercent ?? '?'}/${c?.maximumPercent ?? '?'}, not ${ECS_DEPLOYMENT_PERCENTS}`,
      );
    }
    const breaker = ECS_DEPLOYMENT.deploymentCircuitBreaker;
    if (c?.circuitBreaker?.enable !== breaker.enable || c.circuitBreaker.rollback !== breaker.rollback) {
      problems.push(`${s.name}: the deployment circuit breaker is not enabled with rollback`);
    }
  }
  if (problems.length > 0) {
    return {
      ...(first ? { snapshot: first } : {}),
      result: {
        check: 'service',
        status: 'fail',
        summary: problems.join('; '),
        fix: `create the service with the stacks (they set ${ECS_DEPLOYMENT_PERCENTS} and the circuit breaker with rollback), or fix the descriptor's \`cluster\` and \`services\``,
        items: problems,
      },
    };
  }
  return {
    ...(first ? { snapshot: first } : {}),
    result: {
      check: 'service',
      status: 'pass',
      summary: `${d.services.map((s) => s.name).join(', ')} in ${d.cluster}: ${ECS_DEPLOYMENT_PERCENTS}, circuit breaker with rollback`,
    },
  };
}

async function checkPermissions(
  deps: DoctorDeps,
  req: DoctorRequest,
  d: Descriptor,
  callerArn: string,
  service: ServiceSnapshot | undefined,
): Promise<CheckResult> {
  const taskDefinition = await deps.ports.ecs
    .describeTaskDefinition(d.taskDefinitionFamily)
    .catch(() => undefined);
  const principal = principalToSimulate(callerArn, req.roleArn);
  const partition = /^arn:([^:]+):/.exec(principal)?.[1] ?? 'aws';
  const permissions = releasePermissions({
    partition,
    region: d.region,
    accountId: d.accountId,
    app: d.app,
    environment: d.environment,
    cluster: d.cluster,
    services: d.services.map((s) => s.name),
    taskDefinitionFamily: d.taskDefinitionFamily,
    repositoryName: d.repository.name,
    ...(d.database ? { database: d.database } : {}),
    passRoles: [taskDefinition?.executionRoleArn, taskDefinition?.taskRoleArn].filter((r): r is string =>
      Boolean(r),
    ),
    logGroups: [...new Set(taskDefinition?.containers.flatMap((c) => (c.logs ? [c.logs.group] : [])) ?? [])],
    alarmNames: service?.deploymentConfiguration?.alarms?.names ?? [],
    promoted: req.promoted,
  });
  const outcome = await deps.permissions.simulate(principal, permissions);
  if (outcome.kind === 'unavailable') {
    return {
      check: 'permissions',
      status: 'warn',
      summary: outcome.denied
        ? `not checked: ${principal} may not call iam:SimulatePrincipalPolicy (${outcome.reason})`
        : `not checked: iam:SimulatePrincipalPolicy is unavailable here (${outcome.reason})`,
      fix: `allow iam:SimulatePrincipalPolicy on ${principal} itself in its policy (the stacks' deploy role has it)`,
    };
  }
  if (outcome.denied.length > 0) {
    return {
      check: 'permissions',
      status: 'fail',
      summary: `${principal} lacks ${outcome.denied.length} of the permissions a release uses`,
      fix: "add the missing actions on these resources to the role's policy (the stacks' deploy policy has them all)",
      items: outcome.denied.map((m) => `${m.action} on ${m.resource} (${m.decision}; to ${m.purpose})`),
    };
  }
  return {
    check: 'permissions',
    status: 'pass',
    summary: `${principal} may make all ${permissions.length} kinds of call a release makes (${outcome.checked} action and resource pairs simulated)`,
  };
}

async function checkAlarms(deps: DoctorDeps, d: Descriptor): Promise<CheckResult> {
  try {
    const firing = await firingDeploymentAlarms(
      deps.ports,
      d.cluster,
      d.services.map((s) => s.name),
    );
    if (firing.length > 0) {
      return {
        check: 'alarms',
        status: 'fail',
        summary: `${firing.length} deployment alarm(s) already in ALARM`,
        fix: 'find out why before deploying (a bootstrap image failing its health check, a broken release): the next release would run without alarm-based rollback',
        items: firing.map(firingAlarmMessage),
      };
    }
  } catch (err) {
    return {
      check: 'alarms',
      status: 'warn',
      summary: `could not read the deployment alarms: ${errorText(err)}`,
      fix: "allow cloudwatch:DescribeAlarms on the service's deployment alarms",
    };
  }
  return { check: 'alarms', status: 'pass', summary: 'no deployment alarm is in ALARM' };
}

async function checkRepository(deps: DoctorDeps, req: DoctorRequest, d: Descriptor): Promise<CheckResult[]> {
  const name = d.repository.name;
  let repo: Awaited<ReturnType<PreflightReader['repository']>>;
  try {
    repo = await deps.reader.repository(name);
  } catch (err) {
    return [
      { check: 'repository', status: 'fail', summary: `reading ECR repository ${name}: ${errorText(err)}` },
    ];
  }
  if (!repo) {
    return [
      {
        check: 'repository',
        status: 'fail',
        summary: `ECR repository ${name} does not exist in account ${d.accountId}, ${d.region}`,
        fix: "run `pulumi up` for the stack, or fix the descriptor's `repository`",
      },
    ];
  }
  const results: CheckResult[] = [];
  const problems: string[] = [];
  if (!repo.immutableTags) problems.push('its tags are MUTABLE: a SHA tag could be moved to another image');
  if (repo.uri && repo.uri !== d.repository.uri) {
    problems.push(`the descriptor says ${d.repository.uri}, ECR says ${repo.uri}`);
  }
  results.push(
    problems.length > 0
      ? {
          check: 'repository',
          status: 'fail',
          summary: `${name}: ${problems.join('; ')}`,
          fix: 'set image_tag_mutability IMMUTABLE on the repository (the stacks do), and re-run `pulumi up`',
          items: problems,
        }
      : { check: 'repository', status: 'pass', summary: `${repo.uri}, tags IMMUTABLE` },
  );
  if (req.sha) {
    let image: { digest: string } | undefined;
    let problem: string | undefined;
    try {
      image = await deps.ports.registry.findImageByTag(name, req.sha);
      if (!image) problem = `${name} has no image tagged ${req.sha}`;
    } catch (err) {
      problem = `looking up ${name}:${req.sha}: ${isFerryError(err) ? err.message : errorText(err)}`;
    }
    results.push(
      image
        ? { check: 'image', status: 'pass', summary: `${name}:${req.sha} is ${image.digest}` }
        : {
            check: 'image',
            status: 'fail',
            summary: problem ?? `${name} has no image tagged ${req.sha}`,
            fix: req.promoted
              ? `promote it: ferry promote --from ${req.promoteFrom ?? '<source>'} --to ${req.env} --sha ${req.sha}`
              : `build and push it first: ferry build --env ${req.env} --sha ${req.sha}`,
          },
    );
  }
  return results;
}

async function checkDatabase(deps: DoctorDeps, req: DoctorRequest, d: Descriptor): Promise<CheckResult[]> {
  if (!d.database) {
    return [
      {
        check: 'database',
        status: 'pass',
        summary: 'no database in the descriptor: releases take no snapshot',
      },
    ];
  }
  const { identifier, kind } = d.database;
  const results: CheckResult[] = [];
  try {
    const status = await deps.ports.database.describeStatus(identifier);
    results.push(
      status === 'available'
        ? { check: 'database', status: 'pass', summary: `${kind} ${identifier} is available` }
        : {
            check: 'database',
            status: 'fail',
            summary: status
              ? `${kind} ${identifier} is ${status}, not available`
              : `${kind} ${identifier} does not exist`,
            fix: status
              ? 'wait until RDS reports it available (a snapshot needs that) and run ferry doctor again'
              : "fix the descriptor's `database`, or run `pulumi up` for the stack",
          },
    );
  } catch (err) {
    results.push({ check: 'database', status: 'fail', summary: `reading ${identifier}: ${errorText(err)}` });
  }
  try {
    const quota = await deps.reader.manualSnapshotQuota(kind);
    if (!quota) {
      results.push({
        check: 'snapshot-quota',
        status: 'warn',
        summary: 'RDS did not report the manual snapshot quota',
      });
    } else {
      const left = quota.max - quota.used;
      results.push(
        left >= 1
          ? {
              check: 'snapshot-quota',
              status: left < req.snapshotsKept ? 'warn' : 'pass',
              summary: `${quota.used} of ${quota.max} manual snapshots used in the account and region, ${left} left`,
              ...(left < req.snapshotsKept
                ? { fix: 'delete old manual snapshots or ask AWS for a higher ManualSnapshots quota' }
                : {}),
            }
          : {
              check: 'snapshot-quota',
              status: 'fail',
              summary: `all ${quota.max} manual snapshots of the account and region are used: a release cannot snapshot`,
              fix: 'delete old manual snapshots or ask AWS for a higher ManualSnapshots quota',
            },
      );
    }
  } catch (err) {
    results.push({
      check: 'snapshot-quota',
      status: 'warn',
      summary: `could not read the snapshot quota: ${errorText(err)}`,
      fix: 'allow rds:DescribeAccountAttributes (resource "*")',
    });
  }
  return results;
}

async function checkHealth(deps: DoctorDeps, req: DoctorRequest, d: Descriptor): Promise<CheckResult> {
  const problems: string[] = [];
  const answered: string[] = [];
  for (const s of d.services) {
    // A service without a load balancer (a worker) has no health URL: its ECS deployment is its health.
    if (!s.baseUrl) continue;
    const url = healthUrl(s.baseUrl, req.health.path);
    const res = await deps.ports.http.get(url, HEALTH_TIMEOUT_MS);
    if ('error' in res) problems.push(`${url}: ${res.error}`);
    else if (res.status !== req.health.expectStatus)
      problems.push(`${url} answered ${res.status}, not ${req.health.expectStatus}`);
    else answered.push(`${url} answered ${res.status}`);
  }
  if (problems.length > 0) {
    return {
      check: 'health',
      status: 'fail',
      summary: problems.join('; '),
      fix: "check the descriptor's `services[].baseUrl`, `health.path` in ferry.config.json, and that the running image answers it",
      items: problems,
    };
  }
  return { check: 'health', status: 'pass', summary: answered.join('; ') };
}

async function checkLock(deps: DoctorDeps, req: DoctorRequest): Promise<CheckResult> {
  try {
    const holder = await readLock(deps.ports.parameters, { app: req.app, env: req.env });
    if (!holder) return { check: 'lock', status: 'pass', summary: 'free' };
    const expired = isExpired(holder, deps.now());
    return {
      check: 'lock',
      status: 'warn',
      summary: `${expired ? 'an expired lock' : 'held'} by ${describeHolder(holder)}`,
      fix: expired
        ? `the next release takes it over; \`ferry lock release ${req.env}\` removes it`
        : `a release is running (or died): wait for it, or if it is dead run \`ferry lock release ${req.env}\``,
    };
  } catch (err) {
    return { check: 'lock', status: 'fail', summary: `reading the lock: ${errorText(err)}` };
  }
}
