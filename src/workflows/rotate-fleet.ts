/**
 * One run of a fleet policy: the plan, a page at a time, and one rotation started per credential it selects, at most
 * `concurrency` between starting and parking in their window. Continues as new every few pages, so a fleet of
 * thousands stays within Temporal's history limits; its query, result and UI details give the counts and the lists.
 */
import { condition, continueAsNew, defineQuery, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { FleetActivities } from '../activities/fleet';
import { emptyReport, fleetTaskQueue, recordOutcome, type FleetReport, type FleetSelection } from '../rotation/fleet';
import { providerCall } from './activity-options';
import { rotationReportSignal } from './rotation-report';
import { Notifier } from './notifications';
import { startRotationChild } from './start-rotation';

export interface FleetRunInput {
  selection: FleetSelection;
  /** rotations between starting and parking in their window at once */
  concurrency: number;
  /** carried across continue-as-new: where the plan goes on, and what was done */
  cursor?: string;
  report?: FleetReport;
  /** plan pages per run before continuing as new (default 2; each page up to 100 credentials) */
  pagesPerGeneration?: number;
  /** notification targets told the run's summary (its rotations tell nothing on their own) */
  notify?: string[];
}

export const fleetReportQuery = defineQuery<FleetReport>('fleetReport');

/** Plan pages per run before continuing as new: ~200 rotations started, a few thousand events, far below the limits. */
const PAGES_PER_GENERATION = 2;

export async function rotateFleet(input: FleetRunInput): Promise<FleetReport> {
  // one instant for the whole run, however many generations it takes
  const selection = { ...input.selection, asOf: input.selection.asOf ?? new Date().toISOString() };
  const report: FleetReport = input.report ?? emptyReport(selection);
  const inFlight = new Set(report.inFlight);
  const snapshot = (): FleetReport => ({ ...report, inFlight: [...inFlight] });
  const show = () => setCurrentDetails(details(snapshot()));
  setHandler(fleetReportQuery, snapshot);
  setHandler(rotationReportSignal, ({ rotationId, phase, problem }) => {
    if (!inFlight.delete(rotationId)) return; // a duplicate, or not this run's
    if (phase === 'failed') recordOutcome(report, 'failed', { rotationId, problem: problem ?? 'failed' });
    else recordOutcome(report, 'rotated', { rotationId, phase });
    show();
  });

  const planner = proxyActivities<FleetActivities>({ ...providerCall, taskQueue: fleetTaskQueue(selection) });
  let cursor = input.cursor;
  for (let pages = 0; ; pages++) {
    if (pages === (input.pagesPerGeneration ?? PAGES_PER_GENERATION) && cursor !== undefined) {
      await continueAsNew<typeof rotateFleet>({ ...input, selection, cursor, report: { ...snapshot(), generations: report.generations + 1 } });
    }
    const page = await planner.planFleetPage({ selection, cursor, at: selection.asOf });
    for (const decision of page.decisions) {
      if (decision.action === 'skip' || !decision.request) {
        recordOutcome(report, 'skipped', { rotationId: decision.rotationId, reason: decision.reason });
        continue;
      }
      await condition(() => inFlight.size < input.concurrency);
      const started = await startRotationChild(decision.request, { reportTo: workflowInfo().workflowId });
      if (started.outcome === 'started') inFlight.add(started.rotationId);
      else recordOutcome(report, 'skipped', { rotationId: started.rotationId, reason: started.reason });
      show();
    }
    cursor = page.next;
    if (cursor === undefined) break;
  }
  await condition(() => inFlight.size === 0);
  show();
  const done = snapshot();
  const notifier = new Notifier(input.notify ?? [], []);
  notifier.send({
    type: 'fleet.summary',
    rotationId: workflowInfo().workflowId,
    summary: `Fleet run finished: ${done.counts.rotated} rotated, ${done.counts.skipped} skipped, ${done.counts.failed} failed`,
    fields: { selection: done.selection, counts: done.counts, failed: done.failed.slice(0, 20) },
    commands: done.failed.slice(0, 5).map((f) => `rotator status ${f.rotationId}`),
  });
  await notifier.settle();
  return done;
}

/** The UI's current details: counts, then the rotations in flight and those that failed. */
function details(report: FleetReport): string {
  const { rotated, skipped, failed } = report.counts;
  const lines = [`**fleet ${report.selection.kind}** as of ${report.selection.asOf}: ${rotated} rotated, ${skipped} skipped, ${failed} failed, ${report.inFlight.length} in flight`];
  if (report.failed.length > 0) lines.push('', 'failed:', ...report.failed.slice(0, 20).map((f) => `- ${f.rotationId}: ${f.problem}`));
  if (report.inFlight.length > 0) lines.push('', 'in flight:', ...report.inFlight.slice(0, 20).map((id) => `- ${id}`));
  return lines.join('\n');
}
