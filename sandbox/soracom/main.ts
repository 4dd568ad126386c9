/**
 * Runs the SORACOM sandbox on its own:
 *   npx tsx sandbox/soracom/main.ts --port 0 --auth-key-id keyId-x --auth-key secret-y [--operator-id OP…] [--user-name …]
 * Prints one JSON line `{"endpoint", "operatorId", "userName"}` and serves until SIGTERM or SIGINT.
 */
import { required, serveFromCommandLine } from '../command-line';
import { startSoracomSandbox } from './server';

const flags = {
  'operator-id': { type: 'string', default: 'OP0000000001' },
  'user-name': { type: 'string', default: 'rotator' },
  'auth-key-id': { type: 'string' },
  'auth-key': { type: 'string' },
  'redact-secrets': { type: 'boolean', default: false },
} as const;

serveFromCommandLine('soracom sandbox', flags, async (values, listen) => {
  const { 'auth-key-id': authKeyId, 'auth-key': authKey } = required(values, 'auth-key-id', 'auth-key');

  const operatorId = values['operator-id'];
  const userName = values['user-name'];
  const sandbox = await startSoracomSandbox({
    ...listen,
    operators: [{ operatorId, users: [{ userName, authKeys: [{ authKeyId, authKey }] }] }],
    redactSecrets: values['redact-secrets'],
  });
  return { announce: { endpoint: sandbox.endpoint, operatorId, userName }, stop: sandbox.stop };
});
