import type { TelemetryOptions } from '@temporalio/worker';
import { HISTOGRAM_BUCKETS } from './metrics';

/** What the worker serves for operators: metrics, health, and how often it surveys the rotations. */
export interface TelemetrySettings {
  /** ROTATOR_METRICS_ADDRESS: where Temporal core's Prometheus exporter serves /metrics; off when unset */
  readonly metricsAddress?: string;
  /** ROTATOR_HEALTH_ADDRESS: where /livez and /readyz are served; off when unset */
  readonly healthAddress?: string;
  /** ROTATOR_ROTATION_SURVEY_SECONDS: how often the rotation gauges are read from visibility (default 60; 0: never) */
  readonly surveySeconds: number;
}

export const DEFAULT_SURVEY_SECONDS = 60;

// an IP address and a port, as the exporter binds it (a host name is refused there): 0.0.0.0:9464, 127.0.0.1:9464, [::]:9464
const SOCKET_ADDRESS = /^(?:(\d{1,3}(?:\.\d{1,3}){3})|\[([0-9a-fA-F:.]+)\]):(\d{1,5})$/;

/** host and port of a `<ip>:<port>` setting, or an error naming the variable and the form it takes. */
export function parseSocketAddress(variable: string, raw: string): { host: string; port: number } {
  const match = SOCKET_ADDRESS.exec(raw.trim());
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new Error(`${variable}='${raw}' must be <ip>:<port>, e.g. 0.0.0.0:9464 or [::]:9464`);
  return { host: match[1] ?? match[2]!, port };
}

/** The settings from the environment; a malformed one is an error naming the variable (the worker exits 2). */
export function telemetrySettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TelemetrySettings {
  const address = (variable: string) => {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') return undefined;
    parseSocketAddress(variable, raw);
    return raw.trim();
  };
  const metricsAddress = address('ROTATOR_METRICS_ADDRESS');
  const healthAddress = address('ROTATOR_HEALTH_ADDRESS');
  if (metricsAddress && healthAddress && parseSocketAddress('', metricsAddress).port === parseSocketAddress('', healthAddress).port) {
    throw new Error(`ROTATOR_METRICS_ADDRESS and ROTATOR_HEALTH_ADDRESS must use different ports (the exporter serves /metrics only)`);
  }
  const rawSurvey = env.ROTATOR_ROTATION_SURVEY_SECONDS;
  const surveySeconds = rawSurvey === undefined || rawSurvey === '' ? DEFAULT_SURVEY_SECONDS : Number(rawSurvey);
  if (!Number.isFinite(surveySeconds) || surveySeconds < 0) throw new Error(`ROTATOR_ROTATION_SURVEY_SECONDS='${rawSurvey}' must be a number of seconds, 0 (off) or more`);
  return { ...(metricsAddress ? { metricsAddress } : {}), ...(healthAddress ? { healthAddress } : {}), surveySeconds };
}

/**
 * The SDK runtime's telemetry: Temporal core's own Prometheus exporter, which serves the SDK's `temporal_*` series and
 * every series the rotator records through the SDK's metric meters (workflow, activity, runtime). Durations in
 * seconds, with the rotator's histogram buckets.
 */
export function runtimeTelemetryOptions(settings: TelemetrySettings): TelemetryOptions | undefined {
  if (!settings.metricsAddress) return undefined;
  return {
    metrics: {
      prometheus: {
        bindAddress: settings.metricsAddress,
        useSecondsForDurations: true,
        histogramBucketOverrides: HISTOGRAM_BUCKETS,
      },
    },
  };
}
