/**
 * Errors the ports throw for answers the pipeline acts on. They carry what
 * AWS said and what a person can do about it, never an exit code: the
 * pipeline decides what the answer means for the run (and its exit code).
 */

/**
 * ECS answered RunTask without starting the task: each failure is ECS's reason
 * (capacity, a subnet, an image), and `hint` says where to look.
 */
export class TaskNotStartedError extends Error {
  readonly taskDefinitionArn: string;
  readonly failures: readonly string[];
  readonly hint: string;

  constructor(taskDefinitionArn: string, failures: readonly string[], hint: string) {
    super(
      `ECS did not start the task for ${taskDefinitionArn}: ${failures.join('; ') || 'RunTask returned no task and no reason'}`,
    );
    this.name = 'TaskNotStartedError';
    this.taskDefinitionArn = taskDefinitionArn;
    this.failures = failures;
    this.hint = hint;
  }
}

/**
 * The image copy of a promotion refused or went wrong in a way a person can
 * act on (a tag taken by another image, an unreadable source image, a target
 * that reports another digest): what happened, and what to check.
 */
export class ImageCopyError extends Error {
  readonly hints: readonly string[];

  constructor(message: string, ...hints: string[]) {
    super(message);
    this.name = 'ImageCopyError';
    this.hints = hints;
  }
}
