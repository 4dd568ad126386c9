import type { FleetKind, FleetPage, FleetSelection, SelectionOf } from '../rotation/fleet';
import { rejectRequest } from './failures';

/** What a provider offers fleet runs: its plan, a page at a time (read-only), on its own task queue. */
export interface FleetActivities {
  /** One page of the plan, evaluated at `at` (the run's one instant, ISO); `cursor` is the previous page's `next`. */
  planFleetPage(input: { selection: FleetSelection; cursor?: string; at: string }): Promise<FleetPage>;
}

/** The selection as the kind this queue plans, or a fail-fast refusal naming the kind that came instead. */
export function selectionOf<K extends FleetKind>(kind: K, selection: FleetSelection): SelectionOf<K> {
  if (selection.kind !== kind) throw rejectRequest('WrongProvider', `fleet kind ${selection.kind} sent to the planner of ${kind}`);
  return selection as SelectionOf<K>;
}
