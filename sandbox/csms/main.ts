/**
 * Runs the CSMS sandbox on its own:
 *   npx tsx sandbox/csms/main.ts --port 0 --access-key AK… --secret-key SK… [--project-id …] [--seed-secret NAME=VALUE …]
 * Prints one JSON line `{"endpoint", "projectId"}` and serves until SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util';
import { startCsmsSandbox } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'project-id': { type: 'string', default: '0a1b2c3d4e5f60718293a4b5c6d7e8f9' },
      'access-key': { type: 'string' },
      'secret-key': { type: 'string' },
      'seed-secret': { type: 'string', multiple: true, default: [] },
      'timestamp-unit': { type: 'string', default: 'ms' },
    },
  });
  const accessKey = values['access-key'];
  const secretKey = values['secret-key'];
  if (accessKey === undefined || secretKey === undefined) throw new Error('--access-key and --secret-key are required');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0) throw new Error(`--port must be a port number, got ${values.port}`);
  const unit = values['timestamp-unit'];
  if (unit !== 'ms' && unit !== 's') throw new Error(`--timestamp-unit must be ms or s, got ${unit}`);

  const projectId = values['project-id'];
  const sandbox = await startCsmsSandbox({
    port,
    host: values.host,
    accounts: [{ credentials: [{ accessKey, secretKey }], projects: [projectId] }],
    timestampUnit: unit,
  });
  for (const seed of values['seed-secret']) {
    const at = seed.indexOf('=');
    if (at < 1) throw new Error(`--seed-secret '${seed.slice(0, 64)}' must be NAME=VALUE`);
    sandbox.seedSecret(projectId, seed.slice(0, at), { secretString: seed.slice(at + 1) });
  }
  process.stdout.write(`${JSON.stringify({ endpoint: sandbox.endpoint, projectId })}\n`);

  const stop = () => {
    sandbox.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`csms sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
