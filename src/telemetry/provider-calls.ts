import { Context } from '@temporalio/activity';
import { operationLabel, PROVIDER_SERIES, type CallOutcome } from './metrics';

/**
 * Counts one provider call and its duration on the running activity's metric meter (Temporal's, so the worker's one
 * exporter serves it, with the activity's namespace, task queue and type). Outside an activity (the CLI, a client
 * tested alone) nothing is recorded.
 */
export function recordProviderCall(provider: string, operation: string, outcome: CallOutcome, seconds: number): void {
  let meter;
  try {
    meter = Context.current().metricMeter;
  } catch {
    return; // not in an activity
  }
  const tags = { provider, operation: operationLabel(operation) };
  meter.createCounter(PROVIDER_SERIES.calls.name, '', PROVIDER_SERIES.calls.help).add(1, { ...tags, outcome });
  meter.createHistogram(PROVIDER_SERIES.duration.name, 'float', '', PROVIDER_SERIES.duration.help).record(Math.max(0, seconds), tags);
}

/** Seconds since `startedAt` (a `performance.now()` reading). */
export const secondsSince = (startedAt: number): number => (performance.now() - startedAt) / 1000;
