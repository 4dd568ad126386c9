/**
 * Runs the SORACOM sandbox on its own:
 *   npx tsx sandbox/soracom/main.ts --port 0 --auth-key-id keyId-x --auth-key secret-y [--operator-id OP…] [--user-name …]
 * Prints one JSON line `{"endpoint", "operatorId", "userName"}` and serves until SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util';
import { startSoracomSandbox } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'operator-id': { type: 'string', default: 'OP0000000001' },
      'user-name': { type: 'string', default: 'rotator' },
      'auth-key-id': { type: 'string' },
      'auth-key': { type: 'string' },
      'redact-secrets': { type: 'boolean', default: false },
    },
  });
  const authKeyId = values['auth-key-id'];
  const authKey = values['auth-key'];
  if (authKeyId === undefined || authKey === undefined) throw new Error('--auth-key-id and --auth-key are required');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0) throw new Error(`--port must be a port number, got ${values.port}`);

  const operatorId = values['operator-id'];
  const userName = values['user-name'];
  const sandbox = await startSoracomSandbox({
    port,
    host: values.host,
    operators: [{ operatorId, users: [{ userName, authKeys: [{ authKeyId, authKey }] }] }],
    redactSecrets: values['redact-secrets'],
  });
  process.stdout.write(`${JSON.stringify({ endpoint: sandbox.endpoint, operatorId, userName })}\n`);

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
  process.stderr.write(`soracom sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
