import type { Client } from '@temporalio/client';
import type { MetricMeter } from '@temporalio/common';
import { PHASES, TERMINAL_PHASES } from '../rotation/schemas';
import { DeleteAtKey } from '../rotation/search-attributes';
import { SURVEY_SERIES } from './metrics';

/** Past its deleteAt by this much and still in pending-deletion: no worker took the final step. */
export const DELETION_OVERDUE_AFTER_MS = 15 * 60 * 1000;

/** The phases a running rotation can be in. */
export const OPEN_PHASES = PHASES.filter((p) => !TERMINAL_PHASES.includes(p));

export interface RotationSurvey {
  /** running rotations per open phase */
  open: Record<string, number>;
  /** the earliest deleteAt in the recovery window, ms since the epoch; undefined when no rotation is in it */
  nextDeletionAt: number | undefined;
  /** in pending-deletion more than 15 minutes past deleteAt */
  deletionOverdue: number;
}

const running = (extra: string) => `WorkflowType = "rotateCredential" AND ExecutionStatus = "Running" AND ${extra}`;

/**
 * Reads the rotations from Temporal's visibility store (the search attributes every rotation keeps: RotationPhase,
 * DeleteAt): a count per open phase, then the rotations in their window for the earliest and the overdue deleteAt.
 * Gauges of the whole namespace, not of this worker: every replica reports the same values (dashboards take max).
 */
export async function surveyRotations(client: Client, now = Date.now()): Promise<RotationSurvey> {
  const open: Record<string, number> = {};
  for (const phase of OPEN_PHASES) open[phase] = (await client.workflow.count(running(`RotationPhase = "${phase}"`))).count;
  let nextDeletionAt: number | undefined;
  let deletionOverdue = 0;
  for await (const rotation of client.workflow.list({ query: running('RotationPhase = "pending-deletion"'), pageSize: 1000 })) {
    const deleteAt = rotation.typedSearchAttributes.get(DeleteAtKey)?.getTime();
    if (deleteAt === undefined) continue;
    if (nextDeletionAt === undefined || deleteAt < nextDeletionAt) nextDeletionAt = deleteAt;
    if (deleteAt < now - DELETION_OVERDUE_AFTER_MS) deletionOverdue++;
  }
  return { open, nextDeletionAt, deletionOverdue };
}

/** Sets the survey gauges on the runtime's meter (the exporter at ROTATOR_METRICS_ADDRESS). */
export function recordSurvey(meter: MetricMeter, survey: RotationSurvey, at = Date.now()): void {
  const open = meter.createGauge(SURVEY_SERIES.open.name, 'int', '', SURVEY_SERIES.open.help);
  for (const [phase, count] of Object.entries(survey.open)) open.set(count, { phase });
  meter.createGauge(SURVEY_SERIES.nextDeletion.name, 'float', '', SURVEY_SERIES.nextDeletion.help).set((survey.nextDeletionAt ?? 0) / 1000);
  meter.createGauge(SURVEY_SERIES.deletionOverdue.name, 'int', '', SURVEY_SERIES.deletionOverdue.help).set(survey.deletionOverdue);
  meter.createGauge(SURVEY_SERIES.lastSurvey.name, 'float', '', SURVEY_SERIES.lastSurvey.help).set(at / 1000);
}
