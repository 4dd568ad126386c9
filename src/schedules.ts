/**
 * Rotation on its own: Temporal Schedules (on the UI's Schedules page) that run one credential's rotation or one fleet's,
 * every 6 h to 8,760 h as CSMS's `rotation_period` allows. A run that finds the credential already rotating, or the
 * previous fleet run still going, is recorded as skipped, never as a failure.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import { OperatorError } from './operations';
import type { RotationRequestInput } from './rotation/model';
import { rotationIdFor } from './rotation/model';
import { ROTATIONS_TASK_QUEUE } from './rotation/task-queues';
import type { StartOutcome } from './workflows/start-rotation';
import { describeFleet, type FleetReport } from './rotation/fleet';
import type { FleetRunInput } from './workflows/rotate-fleet';

const HOUR_MS = 60 * 60 * 1000;
export const MIN_EVERY_MS = 6 * HOUR_MS;
export const MAX_EVERY_MS = 8760 * HOUR_MS;

/** What a schedule runs. */
export type ScheduledOrder = { kind: 'rotation'; request: RotationRequestInput } | { kind: 'fleet'; input: FleetRunInput };

/** `2160h`, `90d`, `720h30m` … → milliseconds, 6 h to 8,760 h (CSMS `rotation_period`: units d, h, m, s). */
export function parseEvery(arg: string): number {
  const parts = [...arg.trim().matchAll(/(\d+)\s*([dhms])/g)];
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * { d: 24 * HOUR_MS, h: HOUR_MS, m: 60_000, s: 1000 }[unit as 'd' | 'h' | 'm' | 's'], 0);
  const whole = parts.map((p) => p[0]).join('') === arg.trim().replace(/\s+/g, '');
  if (!whole || parts.length === 0 || ms < MIN_EVERY_MS || ms > MAX_EVERY_MS) {
    throw new Error(`'${arg}' must be a period from 6h to 8760h (CSMS's rotation_period range), in d, h, m or s: e.g. 2160h or 90d`);
  }
  return ms;
}

/** `--jitter`: up to the period itself, so runs spread without skipping one. */
export function parseJitter(arg: string, everyMs: number): number {
  const parts = [...arg.trim().matchAll(/(\d+)\s*([dhms])/g)];
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * { d: 24 * HOUR_MS, h: HOUR_MS, m: 60_000, s: 1000 }[unit as 'd' | 'h' | 'm' | 's'], 0);
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== arg.trim().replace(/\s+/g, '') || ms > everyMs) {
    throw new Error(`--jitter '${arg}' must be a duration in d, h, m or s, at most the period`);
  }
  return ms;
}

/** Schedule names: what the UI lists and `schedule describe` takes. */
export function checkScheduleName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) throw new Error(`schedule name '${name}' must be 1–100 letters, digits and ._- (starting with a letter or digit)`);
  return name;
}

const describeOrder = (order: ScheduledOrder): string =>
  order.kind === 'rotation'
    ? `rotation ${rotationIdFor(order.request.source as Parameters<typeof rotationIdFor>[0])}`
    : describeFleet(order.input.selection);

function action(name: string, order: ScheduledOrder) {
  const common = { type: 'startWorkflow' as const, taskQueue: ROTATIONS_TASK_QUEUE, workflowId: `schedule:${name}`, staticSummary: `schedule ${name}: ${describeOrder(order)}` };
  return order.kind === 'rotation' ? { ...common, workflowType: 'launchRotation', args: [{ request: order.request }] } : { ...common, workflowType: 'rotateFleet', args: [order.input] };
}

export interface ScheduleSettings {
  everyMs: number;
  jitterMs?: number;
  paused?: boolean;
  note?: string;
}

/**
 * Intervals count from the Unix epoch: the offset makes the first run come one period after `from` (the schedule's
 * creation), not at the next multiple of the period since 1970.
 */
const spec = ({ everyMs, jitterMs }: ScheduleSettings, from = Date.now()) => ({ intervals: [{ every: everyMs, offset: from % everyMs }], ...(jitterMs ? { jitter: jitterMs } : {}) });

export async function createSchedule(client: Client, name: string, order: ScheduledOrder, settings: ScheduleSettings): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: name,
      spec: spec(settings),
      action: action(name, order),
      // one run at a time; a run missed while the server was down is made up within a week
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '7 days' },
      state: { paused: settings.paused ?? false, ...(settings.note ? { note: settings.note } : {}) },
      memo: { rotator: { what: describeOrder(order), kind: order.kind } },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) throw new OperatorError(`a schedule named '${name}' exists already: pick another name, or change it with 'rotator schedule update ${name} …'`);
    throw err;
  }
}

async function existing(client: Client, name: string): Promise<{ handle: ScheduleHandle; description: ScheduleDescription }> {
  const handle = client.schedule.getHandle(name);
  try {
    return { handle, description: await handle.describe() };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new OperatorError(`no schedule named '${name}' (see 'rotator schedule list')`);
    throw err;
  }
}

/** What one run of a schedule did: started, skipped (already rotating, or the previous run still going), or its fleet counts. */
export interface RunOutcome {
  scheduledAt: string;
  workflowId: string;
  outcome: string;
}

async function runOutcome(client: Client, workflowId: string, runId: string): Promise<string> {
  try {
    const handle = client.workflow.getHandle(workflowId, runId);
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') return 'running';
    const result = (await handle.result()) as StartOutcome | FleetReport;
    if ('outcome' in result) return result.outcome === 'started' ? `started ${result.rotationId}` : `skipped ${result.rotationId}: ${result.reason}`;
    return `fleet: ${result.counts.rotated} rotated, ${result.counts.skipped} skipped, ${result.counts.failed} failed`;
  } catch (err) {
    return `failed: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`;
  }
}

export interface ScheduleView {
  name: string;
  what: string;
  everyHours: number | null;
  jitterHours: number | null;
  paused: boolean;
  note: string | null;
  nextRunAt: string | null;
  skippedOverlapping: number;
  recentRuns: RunOutcome[];
}

export async function describeSchedule(client: Client, name: string): Promise<ScheduleView> {
  const { description } = await existing(client, name);
  const interval = description.spec.intervals?.[0];
  const recentRuns = await Promise.all(
    description.info.recentActions.map(async (a) => ({
      scheduledAt: a.scheduledAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
      outcome: await runOutcome(client, a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId),
    })),
  );
  const memo = description.memo?.rotator as { what?: string } | undefined;
  return {
    name,
    what: memo?.what ?? String(description.action.workflowType),
    everyHours: interval ? Number(interval.every) / HOUR_MS : null,
    jitterHours: description.spec.jitter ? Number(description.spec.jitter) / HOUR_MS : null,
    paused: description.state.paused,
    note: description.state.note ?? null,
    nextRunAt: description.info.nextActionTimes[0]?.toISOString() ?? null,
    skippedOverlapping: description.info.numActionsSkippedOverlap,
    recentRuns,
  };
}

export async function listSchedules(client: Client): Promise<ScheduleView[]> {
  const views: ScheduleView[] = [];
  for await (const s of client.schedule.list()) views.push(await describeSchedule(client, s.scheduleId));
  return views;
}

export async function pauseSchedule(client: Client, name: string, paused: boolean, note?: string): Promise<void> {
  const { handle } = await existing(client, name);
  await (paused ? handle.pause(note) : handle.unpause(note));
}

/** Runs a schedule now (the overlap rule still applies). */
export async function triggerSchedule(client: Client, name: string): Promise<void> {
  const { handle } = await existing(client, name);
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
}

export async function updateSchedule(client: Client, name: string, change: { everyMs?: number; jitterMs?: number; order?: ScheduledOrder }): Promise<void> {
  const { handle, description } = await existing(client, name);
  const interval = description.spec.intervals?.[0];
  const everyMs = change.everyMs ?? Number(interval?.every ?? MIN_EVERY_MS);
  const jitterMs = change.jitterMs ?? (description.spec.jitter ? Number(description.spec.jitter) : undefined);
  // the same period keeps its phase; a new one counts from now
  const from = change.everyMs === undefined || change.everyMs === Number(interval?.every) ? Number(interval?.offset ?? 0) : Date.now();
  await handle.update((previous) => ({
    ...previous,
    spec: spec({ everyMs, jitterMs }, from),
    ...(change.order ? { action: action(name, change.order) } : {}),
  }));
}

export async function deleteSchedule(client: Client, name: string): Promise<void> {
  const { handle } = await existing(client, name);
  await handle.delete();
}
