/**
 * The worker's telemetry settings, the health endpoints' answers, and how provider answers become metric labels.
 * The exporter, the survey and the series themselves are proven end to end with a real Prometheus in test/ops/metrics.test.ts.
 */
import type { Server } from 'node:http';
import { awsCallOutcome } from '../../src/providers/aws-iam/errors';
import { startHealthServer, type Readiness } from '../../src/telemetry/health';
import { operationLabel, outcomeOfStatus } from '../../src/telemetry/metrics';
import { runtimeTelemetryOptions, telemetrySettingsFromEnv } from '../../src/telemetry/settings';
import { freePort } from '../support/ports';

describe('telemetry settings', () => {
  it('are off by default, and the exporter gets the address, seconds and the rotator buckets when set', () => {
    expect(telemetrySettingsFromEnv({})).toEqual({ surveySeconds: 60 });
    expect(runtimeTelemetryOptions(telemetrySettingsFromEnv({}))).toBeUndefined();
    const settings = telemetrySettingsFromEnv({ ROTATOR_METRICS_ADDRESS: '0.0.0.0:9464', ROTATOR_HEALTH_ADDRESS: '[::]:9465', ROTATOR_ROTATION_SURVEY_SECONDS: '0' });
    expect(settings).toEqual({ metricsAddress: '0.0.0.0:9464', healthAddress: '[::]:9465', surveySeconds: 0 });
    const prometheus = (runtimeTelemetryOptions(settings)!.metrics as { prometheus: { bindAddress: string; useSecondsForDurations: boolean; histogramBucketOverrides: Record<string, number[]> } }).prometheus;
    expect(prometheus).toMatchObject({ bindAddress: '0.0.0.0:9464', useSecondsForDurations: true });
    expect(prometheus.histogramBucketOverrides.rotator_rotation_phase_duration_seconds).toContain(30 * 24 * 3600); // a 30-day window fits
  });

  it.each([
    [{ ROTATOR_METRICS_ADDRESS: 'localhost:9464' }, /ROTATOR_METRICS_ADDRESS='localhost:9464' must be <ip>:<port>/],
    [{ ROTATOR_HEALTH_ADDRESS: '9465' }, /ROTATOR_HEALTH_ADDRESS='9465' must be <ip>:<port>/],
    [{ ROTATOR_METRICS_ADDRESS: '0.0.0.0:70000' }, /must be <ip>:<port>/],
    [{ ROTATOR_METRICS_ADDRESS: '0.0.0.0:9464', ROTATOR_HEALTH_ADDRESS: '127.0.0.1:9464' }, /different ports/],
    [{ ROTATOR_ROTATION_SURVEY_SECONDS: '-1' }, /ROTATOR_ROTATION_SURVEY_SECONDS='-1'/],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => telemetrySettingsFromEnv(env)).toThrow(message);
  });
});

describe('the health endpoints', () => {
  let server: Server;
  let base: string;
  let readiness: Readiness | Error;
  beforeAll(async () => {
    const port = await freePort();
    server = await startHealthServer(`127.0.0.1:${port}`, async () => {
      if (readiness instanceof Error) throw readiness;
      return readiness;
    });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const get = async (path: string, method = 'GET') => {
    const res = await fetch(`${base}${path}`, { method });
    return [res.status, method === 'HEAD' ? null : await res.json()];
  };

  it('/readyz is 200 once ready, 503 with the reason before, while stopping, or when Temporal is away; /livez is 200 throughout', async () => {
    readiness = { ready: false, workers: { all: 'starting' }, temporal: 'ok' };
    expect(await get('/readyz')).toEqual([503, { status: 'not ready', ready: false, workers: { all: 'starting' }, temporal: 'ok' }]);
    expect(await get('/livez')).toEqual([200, { status: 'alive' }]);
    readiness = { ready: true, workers: { rotations: 'RUNNING' }, temporal: 'ok' };
    expect(await get('/readyz')).toEqual([200, { status: 'ready', ready: true, workers: { rotations: 'RUNNING' }, temporal: 'ok' }]);
    readiness = { ready: false, workers: { rotations: 'STOPPING' }, temporal: 'ok' };
    expect((await get('/readyz'))[0]).toBe(503);
    readiness = new Error('boom');
    expect(await get('/readyz')).toEqual([503, { status: 'not ready', error: 'boom' }]);
    expect(await get('/livez')).toEqual([200, { status: 'alive' }]);
  });

  it('answers HEAD, refuses other methods and paths', async () => {
    expect(await get('/livez', 'HEAD')).toEqual([200, null]);
    expect((await get('/livez', 'POST'))[0]).toBe(405);
    expect((await get('/metrics'))[0]).toBe(404);
  });

  it('a port already taken stops the worker with the variable named', async () => {
    const port = Number(new URL(base).port);
    await expect(startHealthServer(`127.0.0.1:${port}`, async () => readiness as Readiness)).rejects.toThrow(/ROTATOR_HEALTH_ADDRESS 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  });
});

describe('provider calls as labels', () => {
  it('an HTTP status is an outcome; 429 is throttling for every provider', () => {
    expect([200, 201, 204, 429, 400, 403, 404, 500, 503].map(outcomeOfStatus)).toEqual(['success', 'success', 'success', 'throttled', 'client_error', 'client_error', 'client_error', 'server_error', 'server_error']);
  });

  it('an AWS error is throttled as the classifier sees it, else by its status, or no answer', () => {
    expect(awsCallOutcome({ name: 'Throttling', $metadata: { httpStatusCode: 400 } })).toBe('throttled');
    expect(awsCallOutcome({ name: 'Whatever', $retryable: { throttling: true } })).toBe('throttled');
    expect(awsCallOutcome({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe('client_error');
    expect(awsCallOutcome({ name: 'ServiceFailure', $metadata: { httpStatusCode: 500 } })).toBe('server_error');
    expect(awsCallOutcome({ name: 'TimeoutError' })).toBe('no_answer');
  });

  it('an operation label is the client’s name for the call, without the context some add', () => {
    expect(operationLabel('updateCredential')).toBe('updateCredential');
    expect(operationLabel('auth (for listCredentials)')).toBe('auth');
    expect(operationLabel('')).toBe('unknown');
  });
});
