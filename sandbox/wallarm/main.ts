/**
 * Runs the Wallarm sandbox on its own:
 *   npx tsx sandbox/wallarm/main.ts --port 0 --token <the rotator's token> [--client-id 7] [--user-id 42] [--role admin]
 * Seeds one company with one user whose token (an Administrator's unless --role says otherwise) the rotator uses.
 * Prints one JSON line `{"endpoint", "clientId", "userId", "tokenId"}` and serves until SIGTERM or SIGINT.
 */
import { serveFromCommandLine } from '../command-line';
import { isRole } from './roles';
import { startWallarmSandbox } from './server';

const flags = {
  'client-id': { type: 'string', default: '7' },
  'user-id': { type: 'string', default: '42' },
  role: { type: 'string', default: 'admin' },
  token: { type: 'string' },
} as const;

serveFromCommandLine('wallarm sandbox', flags, async (values, listen) => {
  const clientId = Number(values['client-id']);
  const userId = Number(values['user-id']);
  if (!Number.isInteger(clientId) || clientId < 1 || !Number.isInteger(userId) || userId < 1) throw new Error('--client-id and --user-id must be positive integers');
  if (!isRole(values.role)) throw new Error(`--role '${values.role}' is not a Wallarm role`);
  const secret = values.token;
  if (secret === undefined || secret.length < 16) throw new Error('--token (at least 16 characters) is required: it is the rotator\'s WALLARM_API_TOKEN');

  const sandbox = await startWallarmSandbox({
    ...listen,
    clients: [{ clientId, users: [{ id: userId, email: 'rotator@example.com', role: values.role, tokens: [{ id: 1, realname: 'credential-rotator', permissions: [values.role], secret }] }] }],
  });
  return { announce: { endpoint: sandbox.endpoint, clientId, userId, tokenId: 1 }, stop: sandbox.stop };
});
