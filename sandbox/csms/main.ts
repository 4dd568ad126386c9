/**
 * Runs the CSMS sandbox on its own:
 *   npx tsx sandbox/csms/main.ts --port 0 --access-key AK… --secret-key SK… [--project-id …] [--seed-secret NAME=VALUE …]
 * Prints one JSON line `{"endpoint", "projectId"}` and serves until SIGTERM or SIGINT.
 */
import { required, serveFromCommandLine } from '../command-line';
import { startCsmsSandbox } from './server';

const flags = {
  'project-id': { type: 'string', default: '0a1b2c3d4e5f60718293a4b5c6d7e8f9' },
  'access-key': { type: 'string' },
  'secret-key': { type: 'string' },
  'seed-secret': { type: 'string', multiple: true, default: [] as string[] },
  'timestamp-unit': { type: 'string', default: 'ms' },
} as const;

serveFromCommandLine('csms sandbox', flags, async (values, listen) => {
  const { 'access-key': accessKey, 'secret-key': secretKey } = required(values, 'access-key', 'secret-key');
  const unit = values['timestamp-unit'];
  if (unit !== 'ms' && unit !== 's') throw new Error(`--timestamp-unit must be ms or s, got ${unit}`);

  const projectId = values['project-id'];
  const sandbox = await startCsmsSandbox({
    ...listen,
    accounts: [{ credentials: [{ accessKey, secretKey }], projects: [projectId] }],
    timestampUnit: unit,
  });
  for (const seed of values['seed-secret']) {
    const at = seed.indexOf('=');
    if (at < 1) throw new Error(`--seed-secret '${seed.slice(0, 64)}' must be NAME=VALUE`);
    sandbox.seedSecret(projectId, seed.slice(0, at), { secretString: seed.slice(at + 1) });
  }
  return { announce: { endpoint: sandbox.endpoint, projectId }, stop: sandbox.stop };
});
