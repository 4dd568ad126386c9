// Minimal workflows that prove the Temporal environments work; the product's workflows live in src/workflows.
import { sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { RotationPhaseKey } from '../../../src/rotation/search-attributes';

/** Sleeps a number of days on a durable timer and reports workflow time before and after. */
export async function sleepForDays({ days }: { days: number }): Promise<{ startedMs: number; endedMs: number }> {
  const startedMs = Date.now();
  await sleep(`${days} days`);
  return { startedMs, endedMs: Date.now() };
}

/** Upserts a rotator search attribute, proving the dev server registered it. */
export async function markPhase({ phase }: { phase: string }): Promise<string | undefined> {
  upsertSearchAttributes([{ key: RotationPhaseKey, value: phase }]);
  return workflowInfo().typedSearchAttributes.get(RotationPhaseKey);
}
