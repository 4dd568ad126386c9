/**
 * `schedule create` takes the same command line an operator would run now (`rotate …`, `fleet …`) and keeps what it
 * would start instead of starting it: the commands hand their order here while a capture is on.
 */
import type { RotationRequestInput } from '../rotation/model';
import type { FleetRunInput } from '../workflows/rotate-fleet';

export type CapturedOrder = { kind: 'rotation'; request: RotationRequestInput } | { kind: 'fleet'; input: FleetRunInput };

let capturing: ((order: CapturedOrder) => void) | undefined;

/** Runs `parse` (a command line through the CLI) and returns the order it would have started, or undefined. */
export async function captureOrder(parse: () => Promise<void>): Promise<CapturedOrder | undefined> {
  let order: CapturedOrder | undefined;
  capturing = (o) => (order = o);
  try {
    await parse();
  } finally {
    capturing = undefined;
  }
  return order;
}

/** Called by a command about to start something: true when it was captured instead (the command then returns). */
export function captured(order: CapturedOrder): boolean {
  if (!capturing) return false;
  capturing(order);
  return true;
}
