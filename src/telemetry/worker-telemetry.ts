import type { Server } from 'node:http';
import { Client } from '@temporalio/client';
import { Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import { startHealthServer, WorkerReadiness, type Readiness } from './health';
import { WORKER_SERIES } from './metrics';
import { recordSurvey, surveyRotations } from './rotation-survey';
import { runtimeTelemetryOptions, telemetrySettingsFromEnv, type TelemetrySettings } from './settings';

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** How often the worker re-checks its readiness for the `rotator_worker_ready` gauge when nobody probes it. */
const READY_GAUGE_INTERVAL_MS = 10_000;

/**
 * What one `rotator worker` process serves for operators: the Prometheus exporter (installed with the SDK runtime),
 * /livez and /readyz, the readiness gauge, and the rotation survey's gauges. Each part is off unless configured.
 */
export class WorkerTelemetry {
  private health: Server | undefined;
  private readiness: WorkerReadiness | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(readonly settings: TelemetrySettings) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): WorkerTelemetry {
    return new WorkerTelemetry(telemetrySettingsFromEnv(env));
  }

  /** For `Runtime.install`: Temporal core's Prometheus exporter, when ROTATOR_METRICS_ADDRESS is set. */
  runtimeOptions(): ReturnType<typeof runtimeTelemetryOptions> {
    return runtimeTelemetryOptions(this.settings);
  }

  /** Once connected: /livez answers from now on, /readyz says 503 until `watch` is given polling workers. */
  async serve(connection: NativeConnection, log: Log): Promise<void> {
    this.readiness = new WorkerReadiness(connection);
    if (this.settings.healthAddress) {
      this.health = await startHealthServer(this.settings.healthAddress, () => this.checkReadiness());
      log.info({ address: this.settings.healthAddress }, `health: GET /livez and /readyz on ${this.settings.healthAddress}`);
    }
    if (this.settings.metricsAddress) log.info({ address: this.settings.metricsAddress }, `metrics: GET /metrics on ${this.settings.metricsAddress}`);
  }

  /** The workers whose polling makes the process ready; starts the gauges' loops when metrics are on. */
  watch(workers: Worker[], client: { connection: NativeConnection; namespace: string }, log: Log): void {
    this.readiness?.watch(workers);
    if (!this.settings.metricsAddress) return;
    this.every(READY_GAUGE_INTERVAL_MS, () => this.checkReadiness().then(() => undefined));
    if (this.settings.surveySeconds > 0) {
      const temporal = new Client({ connection: client.connection, namespace: client.namespace });
      let failing = false;
      this.every(this.settings.surveySeconds * 1000, async () => {
        try {
          recordSurvey(Runtime.instance().metricMeter, await surveyRotations(temporal));
          failing = false;
        } catch (err) {
          // once per run of failures: a namespace without the search attributes, or a server that is down
          if (!failing) log.warn({ err: (err as Error).message }, `metrics: reading the rotations from visibility failed (retrying every ${this.settings.surveySeconds} s)`);
          failing = true;
        }
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    if (this.health) await new Promise<void>((resolve) => this.health!.close(() => resolve()));
  }

  private async checkReadiness(): Promise<Readiness> {
    const readiness = await this.readiness!.check();
    if (this.settings.metricsAddress) {
      Runtime.instance().metricMeter.createGauge(WORKER_SERIES.ready.name, 'int', '', WORKER_SERIES.ready.help).set(readiness.ready ? 1 : 0);
    }
    return readiness;
  }

  /** Runs `task` now and then `intervalMs` after each run ends (never two at once); the timers never keep the process up. */
  private every(intervalMs: number, task: () => Promise<void>): void {
    const run = (timer?: NodeJS.Timeout) => {
      if (timer) this.timers.delete(timer);
      if (this.stopped) return;
      void task()
        .catch(() => undefined)
        .finally(() => {
          if (this.stopped) return;
          const next: NodeJS.Timeout = setTimeout(() => run(next), intervalMs);
          next.unref();
          this.timers.add(next);
        });
    };
    run();
  }
}
