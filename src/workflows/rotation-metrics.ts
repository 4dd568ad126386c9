/**
 * What a rotation reports to Prometheus as it moves through its phases, through the workflow's metric meter. Metrics are
 * not commands: the SDK hands them to the worker through a sink, skips them while replaying, and the history is
 * unchanged, so no patch guards this. Durations are workflow time (deterministic; skipped time in time-skipping tests).
 */
import type { MetricTags } from '@temporalio/common';
import { metricMeter } from '@temporalio/workflow';
import { sourceProvider } from '../rotation/registry';
import type { Phase, RotationRequest } from '../rotation/schemas';
import { ROTATION_SERIES } from '../telemetry/metrics';

export class RotationMetrics {
  /** provider: the source's provider; consumer_kind: the consumers' kinds (bounded sets, never an id) */
  private readonly tags: MetricTags;
  private phase: Phase | undefined;
  private phaseSince = 0;

  constructor(request: RotationRequest) {
    // a rotation into several kinds is labelled by all of them, sorted and joined by '+' (e.g. csms-secret+file)
    const kinds = [...new Set(request.consumers.map((c) => c.kind))].sort().join('+');
    this.tags = { provider: sourceProvider(request.source), consumer_kind: kinds === '' ? 'none' : kinds };
  }

  started(): void {
    this.count('started');
  }

  /** The rotation entered `phase` (with `problemType` when it is `failed`): ends the previous phase's duration. */
  entered(phase: Phase, problemType: string | null | undefined): void {
    const now = Date.now();
    if (this.phase !== undefined && this.phase !== phase) {
      metricMeter
        .createHistogram(ROTATION_SERIES.phaseDuration.name, 'float', '', ROTATION_SERIES.phaseDuration.help)
        .record(Math.max(0, (now - this.phaseSince) / 1000), { provider: this.tags.provider!, phase: this.phase });
    }
    if (this.phase !== phase) this.phaseSince = now;
    this.phase = phase;
    if (phase === 'completed') this.count('completed');
    else if (phase === 'restored') this.count('restored');
    else if (phase === 'compensating') this.count('compensated');
    else if (phase === 'needs-attention') this.count('needsAttention');
    else if (phase === 'failed') this.count('failed', { problem_type: problemType ?? 'unknown' });
  }

  private count(series: keyof typeof ROTATION_SERIES, extra: MetricTags = {}): void {
    const { name, help } = ROTATION_SERIES[series];
    metricMeter.createCounter(name, '', help).add(1, { ...this.tags, ...extra });
  }
}
