/**
 * Temporal Cloud billable Actions, counted from a workflow's history as Temporal's "Temporal Cloud Actions" page
 * (docs.temporal.io/cloud/actions) defines them. What a history cannot show is left out and said so: Queries (every
 * `rotator status`, and the read before a restore or delete-now), rejected Updates, Activity Heartbeats (the rotator
 * sends none).
 */
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export type ActionCounts = Record<string, number>;

const sideEffectMarkers = new Set(['SideEffect', 'MutableSideEffect', 'LocalActivity', 'core_local_activity']);

export function billableActions(events: readonly HistoryEvent[]): ActionCounts {
  const counts: ActionCounts = {};
  const add = (kind: string, n = 1) => (counts[kind] = (counts[kind] ?? 0) + n);
  const markerTasks = new Set<string>();
  for (const e of events) {
    // one per start (client start, continue-as-new, child start)
    if (e.workflowExecutionStartedEventAttributes) add('workflow started');
    // started or retried: the started event carries the attempt that completed, each earlier attempt was a start too
    else if (e.activityTaskStartedEventAttributes) add('activity started or retried', e.activityTaskStartedEventAttributes.attempt ?? 1);
    else if (e.timerStartedEventAttributes) add('timer started');
    else if (e.upsertWorkflowSearchAttributesEventAttributes) {
      // the versioning attribute alone is exempt
      const fields = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {});
      if (fields.some((f) => f !== 'TemporalChangeVersion')) add('search attribute upsert');
    } else if (e.workflowExecutionSignaledEventAttributes) add('signal');
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) add('update');
    else if (e.startChildWorkflowExecutionInitiatedEventAttributes) add('child workflow', 2);
    else if (e.workflowExecutionOptionsUpdatedEventAttributes) add('workflow options updated');
    else if (e.markerRecordedEventAttributes && sideEffectMarkers.has(e.markerRecordedEventAttributes.markerName ?? '')) {
      // all side-effect and local-activity markers of one workflow task count once
      markerTasks.add(String(e.markerRecordedEventAttributes.workflowTaskCompletedEventId));
    }
  }
  if (markerTasks.size > 0) add('side effect / local activity', markerTasks.size);
  return counts;
}

export const totalActions = (counts: ActionCounts) => Object.values(counts).reduce((a, b) => a + b, 0);

/** The mean of each kind over many histories, and the mean total. */
export function meanActions(all: readonly ActionCounts[]): { perRotation: number; byKind: ActionCounts } {
  const byKind: ActionCounts = {};
  for (const counts of all) for (const [k, v] of Object.entries(counts)) byKind[k] = (byKind[k] ?? 0) + v;
  for (const k of Object.keys(byKind)) byKind[k] = Math.round((byKind[k]! / all.length) * 100) / 100;
  return { perRotation: Math.round((all.map(totalActions).reduce((a, b) => a + b, 0) / all.length) * 100) / 100, byKind };
}
