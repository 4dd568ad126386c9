import type { FleetPage, FleetSelection } from '../rotation/fleet';

/** What a provider offers fleet runs: its plan, a page at a time (read-only), on its own task queue. */
export interface FleetActivities {
  /** One page of the plan, evaluated at `at` (the run's one instant, ISO); `cursor` is the previous page's `next`. */
  planFleetPage(input: { selection: FleetSelection; cursor?: string; at: string }): Promise<FleetPage>;
}
