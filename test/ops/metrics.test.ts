/**
 * Metrics and health with the real parts: a `rotator worker` process (ROTATOR_METRICS_ADDRESS, ROTATOR_HEALTH_ADDRESS)
 * on a dev server, moto and the SORACOM sandbox behind a fault proxy, scraped every second by Debian's Prometheus,
 * which also loads the shipped alert rules. Three rotations (one completed after two throttled consumer writes, one
 * compensated when its set refuses the write, one restored) are then read back through Prometheus's HTTP API.
 * promtool checks and unit-tests the shipped rules and config; every dashboard query runs against that Prometheus.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deleteNow, restoreRotation, startRotation } from '../../src/operations';
import { ACCOUNT, useProviders } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { providerEnv, startWorkerProcess, stopWorkerProcess, type WorkerProcess } from '../support/worker-process';
import { freePort } from '../support/ports';
import { prometheusBinary, startPrometheus, type PrometheusServer } from '../support/prometheus';
import { waitForPhase } from '../support/phases';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const deploy = path.join(root, 'deploy/prometheus');

describe('the shipped Prometheus files', () => {
  it('promtool accepts the config and the alert rules, and the rules pass their unit tests', async () => {
    const promtool = prometheusBinary('promtool');
    const config = await run(promtool, ['check', 'config', path.join(deploy, 'prometheus.yml')]);
    expect(config.stdout).toMatch(/SUCCESS: .*prometheus\.yml is valid/);
    const rules = await run(promtool, ['check', 'rules', path.join(deploy, 'alerts.yml')]);
    expect(rules.stdout).toContain('SUCCESS: 7 rules found');
    const unit = await run(promtool, ['test', 'rules', 'alerts.test.yml'], { cwd: deploy });
    expect(unit.stdout).toContain('SUCCESS');
  });

  it('promtool refuses a broken rule (control)', async () => {
    const broken = path.join(root, 'test-output', 'broken-alerts.yml');
    mkdirSync(path.dirname(broken), { recursive: true });
    writeFileSync(broken, readFileSync(path.join(deploy, 'alerts.yml'), 'utf8').replace('max(rotator_rotations_deletion_overdue) > 0', 'max(rotator_rotations_deletion_overdue > 0'));
    await expect(run(prometheusBinary('promtool'), ['check', 'rules', broken])).rejects.toMatchObject({ stderr: expect.stringMatching(/unclosed left parenthesis|parse error/) });
  });
});

describe('a worker scraped by Prometheus during rotations', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createDevServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const providers = useProviders();
  let soracom: FaultProxy | undefined;
  let worker: WorkerProcess | undefined;
  let prometheus: PrometheusServer | undefined;
  afterEach(async () => {
    await stopWorkerProcess(worker);
    await prometheus?.stop();
    await soracom?.stop();
  });

  const rotate = (userName: string) =>
    startRotation(env.client, {
      source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT },
      consumers: [{ kind: 'soracom-credentials-set', credentialsId: `${userName}-aws`, mode: 'update' }],
      recoveryWindowDays: 7,
      pickupGraceSeconds: 0,
    });
  /** the sum of a series' values (over workers, task queues …); 0 when Prometheus has none */
  const total = async (expr: string) => (await prometheus!.query(`sum(${expr})`))[0]?.value ?? 0;
  const reaches = (expr: string, value: number) => prometheus!.waitFor(`sum(${expr})`, (r) => r[0]?.value === value);

  it('serves the SDK series and the rotator’s own, which count the rotations, their phases and the provider calls', async () => {
    soracom = await startFaultProxy({ upstream: providers.sandbox.endpoint, flavor: 'soracom' });
    // two 429s on the first rotation's consumer write (retried after the advised second); the second rotation's set refuses it
    soracom.addRule({ match: { method: 'PUT', path: '/credentials/metrics-a-aws$' }, fault: { kind: 'throttle', seconds: 1 }, times: 2 });
    soracom.addRule({ match: { method: 'PUT', path: '/credentials/metrics-b-aws$' }, fault: { kind: 'deny' } });
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    worker = await startWorkerProcess({
      ...providerEnv(providers.moto.server.endpoint, soracom.endpoint),
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      ROTATOR_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      ROTATOR_HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
      ROTATOR_ROTATION_SURVEY_SECONDS: '1',
    });
    expect(worker.output()).toContain(`metrics: GET /metrics on 127.0.0.1:${metricsPort}`);
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${metricsPort}`], ruleFiles: [path.join(deploy, 'alerts.yml')] });

    // health: alive, and ready once connected and polling every queue
    const live = await fetch(`http://127.0.0.1:${healthPort}/livez`);
    expect([live.status, await live.json()]).toEqual([200, { status: 'alive' }]);
    await prometheus.waitFor('rotator_worker_ready', (r) => r[0]?.value === 1);
    const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
    const readiness = (await ready.json()) as { status: string; temporal: string; workers: Record<string, string> };
    expect([ready.status, readiness.status, readiness.temporal]).toEqual([200, 'ready', 'ok']);
    expect(Object.keys(readiness.workers).sort()).toEqual(['notifications', 'provider-aws-iam', 'provider-csms', 'provider-file', 'provider-soracom', 'provider-wallarm', 'rotations']);
    expect(new Set(Object.values(readiness.workers))).toEqual(new Set(['RUNNING']));
    expect((await fetch(`http://127.0.0.1:${healthPort}/metrics`)).status).toBe(404);

    for (const user of ['metrics-a', 'metrics-b', 'metrics-c']) await providers.seedUser(user, `${user}-aws`);
    const [a, b, c] = [await rotate('metrics-a'), await rotate('metrics-b'), await rotate('metrics-c')];
    const parkedA = await waitForPhase(env.client, a.workflowId, 'pending-deletion', 120_000);
    const parkedC = await waitForPhase(env.client, c.workflowId, 'pending-deletion', 120_000);
    await expect(b.result()).rejects.toThrow();

    // the survey's gauges: two rotations in their window, the earliest deleteAt among them
    await prometheus.waitFor('max(rotator_rotations_open{phase="pending-deletion"})', (r) => r[0]?.value === 2);
    const earliest = Math.min(Date.parse(parkedA.deleteAt!), Date.parse(parkedC.deleteAt!)) / 1000;
    await prometheus.waitFor('max(rotator_rotations_next_deletion_timestamp_seconds)', (r) => Math.abs((r[0]?.value ?? 0) - earliest) < 0.01);
    expect(await total('rotator_rotations_deletion_overdue')).toBe(0);

    expect((await deleteNow(env.client, a.workflowId)).phase).toBe('completed');
    expect((await restoreRotation(env.client, c.workflowId)).phase).toBe('restored');
    expect(await providers.keysOf('metrics-b')).toEqual([[expect.any(String), 'Active']]); // compensated: the new key is gone

    // rotations, by provider and consumer kind; the failure by its typed problem
    const kinds = '{provider="aws-iam",consumer_kind="soracom-credentials-set"}';
    await reaches(`rotator_rotations_completed_total${kinds}`, 1);
    await reaches(`rotator_rotations_restored_total${kinds}`, 1);
    expect(await total(`rotator_rotations_started_total${kinds}`)).toBe(3);
    expect(await total(`rotator_rotations_compensated_total${kinds}`)).toBe(1);
    const failed = await prometheus.query('rotator_rotations_failed_total');
    expect(failed.map((s) => [s.metric.problem_type, s.value])).toEqual([['SoracomPermissionDenied', 1]]);
    // the SDK adds the namespace, task queue and workflow type, in its own (camelCase) label names
    expect(failed[0]!.metric).toEqual({ __name__: 'rotator_rotations_failed_total', provider: 'aws-iam', consumer_kind: 'soracom-credentials-set', problem_type: 'SoracomPermissionDenied', namespace: 'default', taskQueue: 'rotations', workflowType: 'rotateCredential', instance: expect.any(String), job: 'rotator-worker' });
    await prometheus.waitFor('max(rotator_rotations_open{phase="pending-deletion"})', (r) => r[0]?.value === 0);
    await prometheus.waitFor('max(rotator_rotations_next_deletion_timestamp_seconds)', (r) => r[0]?.value === 0);

    // phase durations: three rotations verified, two waited in their window, one compensated
    const durations = await prometheus.query('sum by (phase) (rotator_rotation_phase_duration_seconds_count)');
    const byPhase = Object.fromEntries(durations.map((d) => [d.metric.phase, d.value]));
    expect(byPhase).toMatchObject({ preflight: 3, creating: 3, verifying: 3, registering: 3, deactivating: 2, 'pending-deletion': 2, deleting: 1, compensating: 1 });
    expect(await total('rotator_rotation_phase_duration_seconds_bucket{phase="pending-deletion",le="+Inf"}')).toBe(2);

    // provider calls by provider, operation and outcome: the throttled answers counted where they happened
    expect(await total('rotator_provider_calls_total{provider="aws-iam",operation="CreateAccessKey",outcome="success"}')).toBe(3);
    expect(await total('rotator_provider_calls_total{provider="aws-iam",operation="DeleteAccessKey",outcome="success"}')).toBe(2); // B's new key, A's old one
    expect(await total('rotator_provider_calls_total{provider="soracom",operation="updateCredential",outcome="throttled"}')).toBe(2);
    expect(await total('rotator_provider_calls_total{provider="soracom",operation="updateCredential",outcome="client_error"}')).toBeGreaterThanOrEqual(1);
    expect(await total('rotator_provider_calls_total{provider="soracom",operation="auth"}')).toBeGreaterThanOrEqual(1);
    expect(soracom.callsTo({ method: 'PUT' }).filter((call) => call.fault === 'throttle')).toHaveLength(2); // what the proxy did
    expect(await total('rotator_provider_call_duration_seconds_count{provider="aws-iam"}')).toBe(await total('rotator_provider_calls_total{provider="aws-iam"}'));

    // the SDK's own series come from the same exporter
    expect(await total('temporal_num_pollers{task_queue="rotations"}')).toBeGreaterThan(0);
    expect(await total('temporal_activity_execution_latency_count{task_queue="provider-aws-iam"}')).toBeGreaterThan(0);

    // no rotation id, user, key id or set name in any label of the rotator's series
    const series = await prometheus.api<Record<string, string>[]>(`/api/v1/series?match[]=${encodeURIComponent('{__name__=~"rotator_.+"}')}`);
    expect(series.length).toBeGreaterThan(10);
    const keyIds = [parkedA.oldCredentialId, parkedA.newCredentialId, parkedC.newCredentialId];
    for (const labels of series) {
      for (const value of Object.values(labels)) {
        expect([labels.__name__, value]).toEqual([labels.__name__, expect.not.stringMatching(/metrics-[abc]|aws-iam:|AKIA/)]);
        for (const id of keyIds) expect(value).not.toBe(id);
      }
    }

    // the shipped alert rules are loaded by this Prometheus and evaluate without error; RotationFailed fires for B
    const { groups } = await prometheus.api<{ groups: { rules: { name: string; health: string; state: string }[] }[] }>('/api/v1/rules');
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.map((r) => [r.name, r.health])).toEqual(rules.map((r) => [r.name, 'ok']));
    expect(rules).toHaveLength(7);
    // B's failure counter appeared at 1 (no earlier sample): the rule counts a series born within the hour whole
    await prometheus.waitFor('ALERTS{alertname="RotatorRotationFailed",alertstate="firing"}', (r) => r.length === 1 && r[0]!.metric.problem_type === 'SoracomPermissionDenied');
    expect(await prometheus.query('ALERTS{alertname=~"RotatorWorkerNotPolling|RotatorNoWorkerPolling|RotatorDeletionOverdue"}')).toEqual([]);

    // every dashboard query runs here (Grafana's $__rate_interval as 1m); those of the rotator's live series have data
    const dashboard = JSON.parse(readFileSync(path.join(root, 'deploy/grafana/dashboards/credential-rotator.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr.replaceAll('$__rate_interval', '1m') })));
    expect(queries.length).toBeGreaterThan(15);
    for (const { panel, expr } of queries) {
      const result = await prometheus.query(expr).catch((err: Error) => err);
      expect([panel, result instanceof Error ? result.message : 'ok']).toEqual([panel, 'ok']);
    }
    for (const panel of ['In their recovery window', 'Rotations per hour', 'Provider calls by outcome', 'Workers ready', 'Pollers by task queue (SDK)']) {
      const { expr } = queries.find((q) => q.panel === panel)!;
      expect([panel, (await prometheus.query(expr)).length > 0]).toEqual([panel, true]);
    }

    // the scrape as an operator sees it, kept for the record
    const scrape = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    mkdirSync(path.join(root, 'test-output'), { recursive: true });
    writeFileSync(path.join(root, 'test-output', 'metrics-scrape.txt'), scrape);
    expect(scrape).toMatch(/^# TYPE rotator_rotations_started_total counter$/m);
    expect(scrape).toMatch(/^# TYPE rotator_rotation_phase_duration_seconds histogram$/m);
  }, 300_000);
});
