import { ApplicationFailure } from '@temporalio/common';
import { ProviderError } from '../providers/errors';

/**
 * The one place a provider's classification becomes Temporal semantics:
 * fail → non-retryable; retry-after → `nextRetryDelay`; retry → Temporal's backoff.
 */
export function toActivityFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ProviderError) {
    const { disposition } = err;
    return ApplicationFailure.create({
      type: err.type,
      message: err.message,
      nonRetryable: disposition.kind === 'fail',
      nextRetryDelay: disposition.kind === 'retry-after' ? disposition.delayMs : undefined,
      details: [{ provider: err.provider, httpStatus: err.httpStatus ?? null }],
    });
  }
  // an unclassified error is a bug in our code or an unforeseen transport fault: retry, bounded by the activity's policy
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.retryable(message, err instanceof Error ? err.name : 'UnclassifiedError');
}

/** Runs a provider call and rethrows whatever it throws as a classified Temporal failure. */
export async function classified<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toActivityFailure(err);
  }
}

/** A wrong request found by an activity: fail fast with a typed name and an operator-readable message. */
export function rejectRequest(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

/** A provider that does not say when a credential was last used: the workflow never asks it (its descriptor has no `lastUse`). */
export function useNotReported(provider: string): ApplicationFailure {
  return rejectRequest('UseNotReported', `${provider} does not report when a credential was last used, so it cannot give evidence of use`);
}
