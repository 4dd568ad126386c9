/**
 * The organisation stack, checked without a Docker engine:
 * - docker-compose.yml resolves and validates with `docker-compose config` (1.29, Debian's version, from .tools/);
 * - the resolved stack has the start order, health checks, pinned images, replicas and secrets the docs promise;
 * - the namespace job's script, run against a dev server, creates the namespace and registers exactly the
 *   search attributes the rotations write.
 */
import { execFile } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { createDevServerEnv } from '../support/temporal';
import { toolPath } from '../../sandbox/tools';
import { rotationSearchAttributes } from '../../src/rotation/search-attributes';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const composeBin = path.join(root, '.tools/bin/docker-compose');

interface Service {
  image: string;
  build?: unknown;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  deploy?: { replicas?: number };
  secrets?: { source: string }[];
  environment?: Record<string, string>;
  ports?: string[];
  stop_grace_period?: string;
  profiles?: string[];
  volumes?: string[];
  command?: string[];
}
interface Stack {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
}

/**
 * The Python that runs a docker-compose script, from its first line: it has PyYAML, which docker-compose itself needs.
 * A venv's script names the venv's python; Debian's /usr/bin/docker-compose says `#! /usr/bin/python3` and has no
 * `python` beside it; `#!/usr/bin/env python3` is looked up on PATH. A script without one (a frozen binary): python3 on PATH.
 */
function interpreterOf(script: string): string {
  const first = readFileSync(realpathSync(script)).subarray(0, 256).toString('utf8').split('\n')[0]!;
  const words = first.startsWith('#!') ? first.slice(2).trim().split(/\s+/) : ['/usr/bin/env', 'python3'];
  const name = words[0]!.endsWith('/env') ? words.find((w, i) => i > 0 && !w.startsWith('-')) : words[0];
  if (!name) throw new Error(`cannot tell which interpreter runs ${script} (first line: ${first})`);
  if (name.includes('/')) return name;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  throw new Error(`${script} is run by ${name}, which is not on PATH`);
}

/** `docker-compose config` of a compose file, as JSON (its YAML read by the same Python that runs `bin`). */
async function composeConfig(file: string, envFile: string, bin = composeBin): Promise<Stack> {
  const { stdout } = await run(bin, ['-f', file, '--project-directory', root, '--env-file', envFile, 'config'], { cwd: root });
  const child = run(interpreterOf(bin), ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)']);
  child.child.stdin!.end(stdout);
  return JSON.parse((await child).stdout) as Stack;
}

describe('docker-compose.yml', () => {
  let stack: Stack;
  let scratch: string;
  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'rotator-compose-'));
    stack = await composeConfig(path.join(root, 'docker-compose.yml'), path.join(root, '.env.example'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('validates, and starts each service only once what it needs is healthy or done', () => {
    const s = stack.services;
    expect(Object.keys(s).sort()).toEqual(['codec-server', 'grafana', 'postgresql', 'prometheus', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker']);
    expect(s['temporal-schema']!.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(s.temporal!.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(s['temporal-namespace']!.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(s['temporal-ui']!.depends_on).toEqual({ temporal: { condition: 'service_healthy' }, 'codec-server': { condition: 'service_healthy' } });
    expect(s.worker!.depends_on).toEqual({ 'temporal-namespace': { condition: 'service_completed_successfully' } });
    for (const name of ['postgresql', 'temporal', 'codec-server', 'worker', 'prometheus']) expect(s[name]!.healthcheck?.test.length).toBeGreaterThan(0);
    expect(s.grafana!.depends_on).toEqual({ prometheus: { condition: 'service_healthy' } });
  });

  it('pins every image, runs two worker replicas, keeps secrets out of the environment, and publishes on loopback only', () => {
    const s = stack.services;
    for (const [name, service] of Object.entries(s)) expect([name, service.image]).toEqual([name, expect.stringMatching(/^[a-z0-9./-]+:v?\d+\.\d+(\.\d+)?$/)]);
    expect(s['temporal-schema']!.image.split(':')[1]).toBe(s.temporal!.image.split(':')[1]); // schema job matches the server
    expect(s.worker!.deploy?.replicas).toBe(2);
    expect(s.worker!.stop_grace_period).toBe('40s');
    expect(Number(s.worker!.environment!.ROTATOR_SHUTDOWN_GRACE_SECONDS) + 10).toBeLessThan(40);
    expect(s.worker!.secrets!.map((x) => x.source).sort()).toEqual(['aws_credentials', 'codec_keys', 'seal_keys']);
    // the seal keys go to the workers only: the codec server, which the UI calls, must never open a sealed secret
    expect(s['codec-server']!.secrets!.map((x) => x.source)).not.toContain('seal_keys');
    expect(Object.keys(s['codec-server']!.environment!).filter((k) => k.startsWith('ROTATOR_SEAL'))).toEqual([]);
    expect(s.worker!.environment).toMatchObject({ ROTATOR_CODEC_KEY_FILE: '/run/secrets/codec_keys', ROTATOR_SEAL_KEY_FILE: '/run/secrets/seal_keys', AWS_SHARED_CREDENTIALS_FILE: '/run/secrets/aws_credentials', TEMPORAL_NAMESPACE: 'rotator' });
    expect(s.worker!.environment).not.toHaveProperty('ROTATOR_CODEC_KEYS');
    expect(s.worker!.environment).not.toHaveProperty('POSTGRES_PASSWORD');
    expect(s['temporal-ui']!.environment!.TEMPORAL_CODEC_ENDPOINT).toBe(`http://localhost:8888/${s['codec-server']!.environment!.ROTATOR_CODEC_SERVER_TOKEN}`);
    for (const service of Object.values(s)) for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    expect(Object.keys(stack.secrets).sort()).toEqual(['aws_credentials', 'codec_keys', 'grafana_admin_password', 'seal_keys']);
    expect(s.grafana!.secrets!.map((x) => x.source)).toEqual(['grafana_admin_password']);
    expect(Object.keys(s.grafana!.environment!).filter((k) => k.includes('PASSWORD'))).toEqual(['GF_SECURITY_ADMIN_PASSWORD__FILE']);
  });

  it('workers serve metrics and health on the compose network; their health check is /readyz; Prometheus and Grafana are optional and read deploy/', () => {
    const s = stack.services;
    const worker = s.worker!;
    expect(worker.environment).toMatchObject({ ROTATOR_METRICS_ADDRESS: '0.0.0.0:9464', ROTATOR_HEALTH_ADDRESS: '0.0.0.0:9465' });
    expect(worker.ports ?? []).toEqual([]); // scraped on the compose network, never published
    expect(worker.healthcheck!.test.join(' ')).toContain('http://127.0.0.1:9465/readyz');
    // off unless asked for: `docker compose --profile monitoring up -d`
    for (const name of Object.keys(s)) expect([name, s[name]!.profiles ?? []]).toEqual([name, ['prometheus', 'grafana'].includes(name) ? ['monitoring'] : []]);
    // Prometheus reads the shipped config, which scrapes every replica on the worker's metrics port
    const mount = (service: Service, target: string) => service.volumes!.find((v) => v.split(':')[1] === target)?.split(':')[0];
    expect(mount(s.prometheus!, '/etc/prometheus/rotator')).toBe(path.join(root, 'deploy/prometheus'));
    expect(s.prometheus!.command).toContain('--config.file=/etc/prometheus/rotator/prometheus.yml');
    const config = readFileSync(path.join(root, 'deploy/prometheus/prometheus.yml'), 'utf8');
    expect(config).toMatch(/names: \[worker\]\s+type: A\s+port: 9464/);
    // Grafana: the provisioned datasource is the one the dashboard names, and the dashboard folder is where provisioning looks
    expect(mount(s.grafana!, '/etc/grafana/provisioning')).toBe(path.join(root, 'deploy/grafana/provisioning'));
    expect(mount(s.grafana!, '/var/lib/grafana/dashboards/credential-rotator')).toBe(path.join(root, 'deploy/grafana/dashboards'));
    expect(readFileSync(path.join(root, 'deploy/grafana/provisioning/dashboards/rotator.yml'), 'utf8')).toContain('path: /var/lib/grafana/dashboards/credential-rotator');
    const uid = /uid: (\S+)/.exec(readFileSync(path.join(root, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8'))![1];
    const dashboard = JSON.parse(readFileSync(path.join(root, 'deploy/grafana/dashboards/credential-rotator.json'), 'utf8')) as { panels: { datasource?: { uid: string } }[] };
    expect(new Set(dashboard.panels.filter((p) => p.datasource).map((p) => p.datasource!.uid))).toEqual(new Set([uid]));
  });

  it('the cluster tests run the server and UI versions the compose images pin (scripts/bootstrap-tools.sh builds them)', () => {
    const bootstrap = readFileSync(path.join(root, 'scripts/bootstrap-tools.sh'), 'utf8');
    const pin = (name: string) => bootstrap.match(new RegExp(`^${name}=(\\S+)`, 'm'))?.[1];
    const tag = (service: string) => stack.services[service]!.image.split(':')[1];
    expect({ server: tag('temporal'), schemaJob: tag('temporal-schema'), namespaceJob: tag('temporal-namespace'), ui: tag('temporal-ui') }).toEqual({
      server: pin('TEMPORAL_SERVER_VERSION'),
      schemaJob: pin('TEMPORAL_SERVER_VERSION'),
      namespaceJob: pin('TEMPORAL_SERVER_VERSION'),
      ui: pin('TEMPORAL_UI_VERSION'),
    });
  });

  it('OIDC is off by default; set, it reaches the codec server, the UI forwards its access token, and the token may go', async () => {
    const s = stack.services;
    expect(s['codec-server']!.environment).toMatchObject({ ROTATOR_CODEC_OIDC_ISSUER: '', ROTATOR_CODEC_OIDC_AUDIENCE: '' });
    expect(s['temporal-ui']!.environment).toMatchObject({ TEMPORAL_AUTH_ENABLED: 'false', TEMPORAL_CODEC_PASS_ACCESS_TOKEN: 'false' });

    const oidcEnv = path.join(scratch, 'oidc.env');
    const oidc = {
      TEMPORAL_AUTH_ENABLED: 'true',
      TEMPORAL_AUTH_PROVIDER_URL: 'https://idp.example.com/realms/ops',
      TEMPORAL_AUTH_CLIENT_ID: 'temporal-ui',
      ROTATOR_CODEC_OIDC_ISSUER: 'https://idp.example.com/realms/ops',
      ROTATOR_CODEC_OIDC_AUDIENCE: 'temporal-ui',
    };
    const settings = readFileSync(path.join(root, '.env.example'), 'utf8').replace(/^ROTATOR_CODEC_SERVER_TOKEN=.*$/m, 'ROTATOR_CODEC_SERVER_TOKEN=');
    writeFileSync(oidcEnv, `${settings}\n${Object.entries(oidc).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
    const withOidc = (await composeConfig(path.join(root, 'docker-compose.yml'), oidcEnv)).services;
    expect(withOidc['codec-server']!.environment).toMatchObject({ ROTATOR_CODEC_OIDC_ISSUER: oidc.ROTATOR_CODEC_OIDC_ISSUER, ROTATOR_CODEC_OIDC_AUDIENCE: 'temporal-ui', ROTATOR_CODEC_SERVER_TOKEN: '' });
    expect(withOidc['temporal-ui']!.environment).toMatchObject({ TEMPORAL_AUTH_ENABLED: 'true', TEMPORAL_CODEC_PASS_ACCESS_TOKEN: 'true', TEMPORAL_AUTH_CLIENT_ID: 'temporal-ui' });
    expect(withOidc['temporal-ui']!.environment!.TEMPORAL_CODEC_ENDPOINT).toBe('http://localhost:8888/'); // no token in the URL
  });

  it('the settings and secret files it reads are git-ignored, and a missing setting stops it with its name', async () => {
    const ignored = await run('git', ['check-ignore', '.env', 'secrets/codec-keys.json', 'secrets/seal-keys.json', 'secrets/aws-credentials', '.env.example', 'docker-compose.yml'], { cwd: root }).catch((e: { stdout: string }) => e);
    expect(ignored.stdout.trim().split('\n')).toEqual(['.env', 'secrets/codec-keys.json', 'secrets/seal-keys.json', 'secrets/aws-credentials']);
    const partial = path.join(scratch, 'partial.env');
    writeFileSync(partial, readFileSync(path.join(root, '.env.example'), 'utf8').replace(/^SORACOM_AUTH_KEY=.*$/m, ''));
    await expect(composeConfig(path.join(root, 'docker-compose.yml'), partial)).rejects.toMatchObject({ stderr: expect.stringContaining('set SORACOM_AUTH_KEY in .env') });
  });

  it('reads the resolved stack with the Python that runs docker-compose, also where no `python` sits beside it (Debian\'s layout)', async () => {
    // Debian's docker-compose 1.29 is /usr/bin/docker-compose, first line `#! /usr/bin/python3`, and /usr/bin has no
    // `python`: the same script, in a folder of its own, run by the interpreter its first line names
    const usrBin = path.join(scratch, 'usr', 'bin');
    mkdirSync(usrBin, { recursive: true });
    const script = readFileSync(realpathSync(composeBin), 'utf8');
    const debianLike = path.join(usrBin, 'docker-compose');
    writeFileSync(debianLike, script.replace(/^#!\s*(\S+)/, (_, python: string) => `#! ${python}`));
    chmodSync(debianLike, 0o755);
    expect(() => accessSync(path.join(usrBin, 'python'))).toThrow();
    expect(interpreterOf(debianLike)).toBe(interpreterOf(composeBin));
    expect(await composeConfig(path.join(root, 'docker-compose.yml'), path.join(root, '.env.example'), debianLike)).toEqual(stack);

    const viaEnv = path.join(usrBin, 'env-docker-compose');
    writeFileSync(viaEnv, '#!/usr/bin/env python3\n');
    expect(interpreterOf(viaEnv)).toMatch(/\/python3$/);
  });

  it('the validator refuses a broken stack (control: a dependency on a service that does not exist)', async () => {
    const broken = path.join(scratch, 'broken.yml');
    const text = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    const mutated = text.replace(/(temporal-schema:\n(?:.*\n)*?\s+depends_on:\n\s+)postgresql:/, '$1postgres:');
    expect(mutated).not.toBe(text);
    writeFileSync(broken, mutated);
    await expect(composeConfig(broken, path.join(root, '.env.example'))).rejects.toMatchObject({ stderr: expect.stringMatching(/postgres/) });
  });
});

describe('the namespace job (deploy/temporal/setup-namespace.sh)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createDevServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('creates the namespace and registers the rotation search attributes, and a second run changes nothing', async () => {
    const script = path.join(root, 'deploy/temporal/setup-namespace.sh');
    const jobEnv = { PATH: `${path.dirname(toolPath('temporal'))}:${process.env.PATH}`, TEMPORAL_ADDRESS: env.address, ROTATOR_NAMESPACE: 'rotator-compose', ROTATOR_NAMESPACE_RETENTION: '72h' };
    const first = await run('/bin/sh', [script], { env: jobEnv });
    expect(first.stdout).toContain('created namespace rotator-compose (retention 72h)');
    const second = await run('/bin/sh', [script], { env: jobEnv });
    expect(second.stdout).toContain('namespace rotator-compose exists');
    expect(second.stdout).not.toContain('registered');

    const described = await env.connection.workflowService.describeNamespace({ namespace: 'rotator-compose' });
    expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(72 * 3600);
    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: 'rotator-compose' });
    const { IndexedValueType } = temporal.api.enums.v1;
    for (const key of rotationSearchAttributes) {
      const expected = key.type === 'DATETIME' ? IndexedValueType.INDEXED_VALUE_TYPE_DATETIME : IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
      expect([key.name, customAttributes?.[key.name]]).toEqual([key.name, expected]);
    }
  });
});
