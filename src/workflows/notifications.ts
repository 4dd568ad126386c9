/**
 * Telling people from a workflow: each event goes to each target the request named, through an activity on the
 * `notifications` queue that Temporal retries on its own (bounded in time). A delivery never holds up a step: it runs
 * beside them, and the workflow waits for outstanding deliveries only when it ends. Outcomes stay in the status.
 */
import { ActivityFailure, CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { NotifyActivities } from '../notify/deliver';
import { NOTIFICATIONS_TASK_QUEUE, type EventType, type RotatorEvent } from '../notify/events';

const deliveries = proxyActivities<NotifyActivities>({
  taskQueue: NOTIFICATIONS_TASK_QUEUE,
  startToCloseTimeout: '15 seconds',
  // a receiver down for longer is recorded as undelivered: the rotation never waits on it beyond this
  scheduleToCloseTimeout: '15 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface NotificationRecord {
  id: string;
  type: EventType;
  target: string;
  state: 'pending' | 'delivered' | 'undelivered';
  problem?: string;
}

export class Notifier {
  private seq = 0;
  private pending: Promise<void>[] = [];

  constructor(
    private readonly targets: readonly string[],
    /** kept in the status: what was sent where, and whether it arrived */
    readonly records: NotificationRecord[],
    /** called when a delivery ends, e.g. to refresh the UI's details */
    private readonly onSettled: () => void = () => undefined,
  ) {}

  get enabled(): boolean {
    return this.targets.length > 0;
  }

  /** Starts delivering an event to every target (or to `to`: a person's own target); returns at once. */
  send(event: Omit<RotatorEvent, 'id' | 'time'>, to: readonly string[] = this.targets): void {
    if (to.length === 0) return;
    const info = workflowInfo();
    const full: RotatorEvent = { ...event, id: `${info.workflowId}/${info.runId}/${++this.seq}`, time: new Date().toISOString() };
    for (const target of to) {
      const record: NotificationRecord = { id: full.id, type: full.type, target, state: 'pending' };
      this.records.push(record);
      this.pending.push(
        CancellationScope.nonCancellable(() => deliveries.deliverEvent({ event: full, target })).then(
          () => {
            record.state = 'delivered';
            this.onSettled();
          },
          (err: unknown) => {
            record.state = 'undelivered';
            record.problem = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
            this.onSettled();
          },
        ),
      );
    }
  }

  /** Waits for every delivery still going (each ends within its own time bound). */
  async settle(): Promise<void> {
    const going = this.pending;
    this.pending = [];
    await Promise.all(going);
  }
}
