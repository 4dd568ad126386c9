/**
 * What the rotator tells people, and the fields an event carries: public ids, phases, times, problems and the commands
 * to run; never a secret. Workflow-safe: the workflows build events, workers deliver them.
 */
export const EVENT_TYPES = [
  'rotation.failed',
  'rotation.pending-deletion',
  'rotation.deletion-reminder',
  'rotation.completed',
  'rotation.restored',
  'rotation.deletion-refused',
  'rotation.awaiting-use',
  'rotation.handover',
  'rotation.confirmation-reminder',
  'fleet.summary',
  'schedule.run-skipped',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface RotatorEvent {
  /** stable across retries: `<workflow id>/<run id>/<seq>`, so receivers can drop duplicates */
  id: string;
  type: EventType;
  /** when it happened (workflow time), ISO */
  time: string;
  /** the rotation (or fleet run, or schedule run) it is about */
  rotationId: string;
  /** one line for people */
  summary: string;
  /** the status fields that carry no secret */
  fields: Record<string, unknown>;
  /** what an operator can run now */
  commands: string[];
}

/** Deliveries run on their own queue: a slow receiver never holds a provider's pace. */
export const NOTIFICATIONS_TASK_QUEUE = 'notifications';

/** Named targets are defined on the worker; a request only names them. */
export const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
