/** How a failure reads in a rotation's status. Deterministic: no I/O. */
import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';

/** The innermost message: the provider's classified error, not Temporal's "Activity task failed" wrapper. */
export function rootMessage(err: unknown): string {
  if (isCancellation(err)) return 'the rotation was cancelled';
  return innermost(err) instanceof Error ? (innermost(err) as Error).message : String(err);
}

/** The typed error behind a failure (e.g. IamAccessDenied), for `problemType`. */
export function failureType(err: unknown): string {
  if (isCancellation(err)) return 'RotationCancelled';
  const e = innermost(err);
  return e instanceof ApplicationFailure && e.type ? e.type : 'RotationFailed';
}

function innermost(err: unknown): unknown {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e;
}
