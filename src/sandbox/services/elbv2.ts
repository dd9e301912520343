import type { EcsStore } from '../ecs/store.ts';
import { AwsError } from '../protocol/errors.ts';
import { list, type XmlNode } from '../protocol/query.ts';
import type { QueryService } from '../protocol/types.ts';

const REASONS: Record<string, { Reason: string; Description: string } | undefined> = {
  initial: { Reason: 'Elb.InitialHealthChecking', Description: 'Initial health checks in progress' },
  unhealthy: {
    Reason: 'Target.ResponseCodeMismatch',
    Description: 'Health checks failed with these codes: [503]',
  },
  draining: {
    Reason: 'Target.DeregistrationInProgress',
    Description: 'Target deregistration is in progress',
  },
};

/** ELBv2's view of the target groups whose targets are the ECS tasks' private IPs. */
export function elbv2Service(store: EcsStore): QueryService {
  return {
    service: 'elbv2',
    version: '2015-12-01',
    namespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
    operations: {
      DescribeTargetHealth: (params) => {
        const arn = String(params.TargetGroupArn ?? '');
        const tg = store.targetGroups.get(arn);
        if (!tg) throw new AwsError('TargetGroupNotFound', `Target groups '${arn}' not found`);
        const descriptions: XmlNode[] = [];
        for (const task of store.tasks.values()) {
          const target = task.target;
          if (!target || target.targetGroupArn !== arn) continue;
          descriptions.push({
            Target: { Id: task.privateIp, Port: target.port, AvailabilityZone: 'eu-west-1a' },
            HealthCheckPort: String(target.port),
            TargetHealth: { State: target.state, ...REASONS[target.state] },
          });
        }
        return { TargetHealthDescriptions: list('member', descriptions) };
      },
      DescribeTargetGroups: (params) => {
        const arns = params.TargetGroupArns as string[] | undefined;
        const groups = [...store.targetGroups.values()].filter((tg) => !arns || arns.includes(tg.arn));
        if (arns && groups.length !== arns.length)
          throw new AwsError('TargetGroupNotFound', 'One or more target groups not found');
        return {
          TargetGroups: list(
            'member',
            groups.map((tg) => ({
              TargetGroupArn: tg.arn,
              TargetGroupName: tg.name,
              Protocol: 'HTTP',
              Port: tg.port,
              TargetType: 'ip',
              HealthCheckPath: tg.healthCheckPath,
              HealthCheckIntervalSeconds: tg.intervalSeconds,
              HealthyThresholdCount: tg.healthyThreshold,
              UnhealthyThresholdCount: tg.unhealthyThreshold,
            })),
          ),
        };
      },
    },
  };
}
