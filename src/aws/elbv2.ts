/** LoadBalancer over ELBv2: the health of a target group's targets. */
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancer, TargetHealthSnapshot } from '../pipeline/ports.ts';

export function createLoadBalancer(client: () => ElasticLoadBalancingV2Client): LoadBalancer {
  return {
    async targetHealth(targetGroupArn) {
      const out = await client().send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
      return (out.TargetHealthDescriptions ?? []).map((d) => {
        const target: TargetHealthSnapshot = {
          id: d.Target?.Id ?? '',
          state: d.TargetHealth?.State ?? 'unavailable',
        };
        if (d.Target?.Port !== undefined) target.port = d.Target.Port;
        if (d.TargetHealth?.Reason) target.reason = d.TargetHealth.Reason;
        if (d.TargetHealth?.Description) target.description = d.TargetHealth.Description;
        return target;
      });
    },
  };
}
