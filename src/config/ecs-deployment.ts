/**
 * How ferry's ECS services roll out, wherever it is set or checked (the stacks, their policy pack,
 * every UpdateService, `ferry doctor`): never below full capacity (minimumHealthyPercent 100)
 * with room for a full second set of tasks (maximumPercent 200), and the deployment circuit
 * breaker rolling a failed deployment back.
 */
export const ECS_DEPLOYMENT = {
  minimumHealthyPercent: 100,
  maximumPercent: 200,
  deploymentCircuitBreaker: { enable: true, rollback: true },
} as const;

/** `100/200`, as messages and docs write the two percentages. */
export const ECS_DEPLOYMENT_PERCENTS = `${ECS_DEPLOYMENT.minimumHealthyPercent}/${ECS_DEPLOYMENT.maximumPercent}`;
