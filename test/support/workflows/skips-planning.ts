// A workflow that is not the rotator's: anyone who may start workflows in the namespace could run one like it on a
// worker of their own, scheduling the rotator's activities on its provider queues with inputs no preflight has seen.
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { ConsumerActivities } from '../../../src/activities/consumer';
import type { SourceActivities } from '../../../src/activities/source';

type Activities = ConsumerActivities & SourceActivities;
export type ActivityCall = { [K in keyof Activities]: { activity: K; input: Parameters<Activities[K]>[0] } }[keyof Activities];
export type CallOutcome = { outcome: 'completed'; result: unknown } | { outcome: 'failed'; type: string | null; message: string };

/** Calls one activity of the rotator, once (no retry: a refusal must come on the first attempt), and reports how it ended. */
export async function callRotatorActivity({ taskQueue, call }: { taskQueue: string; call: ActivityCall }): Promise<CallOutcome> {
  const activities = proxyActivities<Record<string, (input: unknown) => Promise<unknown>>>({ taskQueue, startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 1 } });
  try {
    return { outcome: 'completed', result: await activities[call.activity]!(call.input) };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    return { outcome: 'failed', type: cause instanceof ApplicationFailure ? (cause.type ?? null) : null, message: cause instanceof Error ? cause.message : String(cause) };
  }
}
