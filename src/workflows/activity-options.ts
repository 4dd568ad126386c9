/** How the workflow calls providers: Temporal is the only retry layer; providers' own advice arrives as nextRetryDelay. */
import type { ActivityOptions } from '@temporalio/workflow';

/**
 * Provider calls, bounded by time, not attempts: a throttled provider may refuse many calls in a row, while a wrong
 * request fails on its first attempt.
 */
export const providerCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * A new IAM key takes ~5–15 s to work: poll with backoff, 8 attempts (~46 s of polling). Bounded by attempts, not by
 * schedule-to-close: time queued behind the provider's rate limit or with no worker running must not fail a good key.
 */
export const verification: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 1.5, maximumInterval: '10 seconds', maximumAttempts: 8 },
};

/** The final deletion may come weeks after the request: keep trying transient faults for a day before failing. */
export const eventualDeletion: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
};
