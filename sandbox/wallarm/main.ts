/**
 * Runs the Wallarm sandbox on its own:
 *   npx tsx sandbox/wallarm/main.ts --port 0 --token <the rotator's token> [--client-id 7] [--user-id 42] [--role admin]
 * Seeds one company with one user whose token (an Administrator's unless --role says otherwise) the rotator uses.
 * Prints one JSON line `{"endpoint", "clientId", "userId", "tokenId"}` and serves until SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util';
import { isRole } from './roles';
import { startWallarmSandbox } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'client-id': { type: 'string', default: '7' },
      'user-id': { type: 'string', default: '42' },
      role: { type: 'string', default: 'admin' },
      token: { type: 'string' },
    },
  });
  const port = Number(values.port);
  const clientId = Number(values['client-id']);
  const userId = Number(values['user-id']);
  if (!Number.isInteger(port) || port < 0) throw new Error(`--port must be a port number, got ${values.port}`);
  if (!Number.isInteger(clientId) || clientId < 1 || !Number.isInteger(userId) || userId < 1) throw new Error('--client-id and --user-id must be positive integers');
  if (!isRole(values.role)) throw new Error(`--role '${values.role}' is not a Wallarm role`);
  const secret = values.token;
  if (secret === undefined || secret.length < 16) throw new Error('--token (at least 16 characters) is required: it is the rotator\'s WALLARM_API_TOKEN');

  const sandbox = await startWallarmSandbox({
    port,
    host: values.host,
    clients: [{ clientId, users: [{ id: userId, email: 'rotator@example.com', role: values.role, tokens: [{ id: 1, realname: 'credential-rotator', permissions: [values.role], secret }] }] }],
  });
  process.stdout.write(`${JSON.stringify({ endpoint: sandbox.endpoint, clientId, userId, tokenId: 1 })}\n`);

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
  process.stderr.write(`wallarm sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
