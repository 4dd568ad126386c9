/** How a rotation tells the fleet run that started it how it went: one signal, when it parks in its window or ends short of it. */
import { defineSignal, getExternalWorkflowHandle } from '@temporalio/workflow';
import type { Phase, RotationStatus } from '../rotation/schemas';

export interface RotationReport {
  rotationId: string;
  phase: Phase;
  problem: string | null;
}

export const rotationReportSignal = defineSignal<[RotationReport]>('rotationReport');

/** Signals `reportTo` once; a fleet run that is gone (terminated, say) is no reason to fail the rotation. */
export async function reportTo(reportTo: string | undefined, status: RotationStatus): Promise<void> {
  if (reportTo === undefined) return;
  try {
    await getExternalWorkflowHandle(reportTo).signal(rotationReportSignal, { rotationId: status.rotationId, phase: status.phase, problem: status.problem });
  } catch {
    // the fleet run ended: it counts this rotation as still in flight, which `rotator status` answers
  }
}
