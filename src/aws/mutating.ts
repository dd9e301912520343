/**
 * Which AWS operations may change something. Read-only operations are
 * recognised by their verb; every other operation counts as a change, so an
 * operation ferry starts to use later errs on the side of "the state is unknown".
 */
import type { MutationRecorder } from '../mutations.ts';
import type { OnCall } from './clients.ts';

const READ_ONLY =
  /^(Describe|Get|List|BatchGet|BatchCheck|Simulate|Lookup|Search|Filter|Validate|Test|Head|Query|Scan|Select|AssumeRole|Decode)/;

export function isMutatingOperation(operation: string): boolean {
  return !READ_ONLY.test(operation);
}

/** An OnCall hook that records every operation that may change something. */
export function recordMutations(recorder: MutationRecorder): OnCall {
  return (service, operation) => {
    if (isMutatingOperation(operation)) recorder.record(`${service} ${operation}`);
  };
}

/** Both hooks, in order; undefined when there are none. */
export function bothOnCall(a: OnCall | undefined, b: OnCall | undefined): OnCall | undefined {
  if (!a || !b) return a ?? b;
  return (service, operation) => {
    a(service, operation);
    b(service, operation);
  };
}
