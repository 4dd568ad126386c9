/**
 * The CSMS sandbox in its own process for the parked benchmark, with the per-project secret quota raised:
 * CSMS allows 500 secrets per project, and the benchmark gives each parked rotation its own secret.
 *   tsx bench/csms-sandbox.ts --access-key AK --secret-key SK --project-id ID --secrets-per-project N
 * Prints one JSON line `{"endpoint"}` and serves until killed.
 */
import { required, serveFromCommandLine } from '../sandbox/command-line';
import { startCsmsSandbox } from '../sandbox/csms/server';

const flags = {
  'access-key': { type: 'string' },
  'secret-key': { type: 'string' },
  'project-id': { type: 'string' },
  'secrets-per-project': { type: 'string', default: '500' },
} as const;

serveFromCommandLine('bench csms sandbox', flags, async (values, listen) => {
  const { 'access-key': accessKey, 'secret-key': secretKey, 'project-id': projectId } = required(values, 'access-key', 'secret-key', 'project-id');
  const sandbox = await startCsmsSandbox({
    ...listen,
    accounts: [{ credentials: [{ accessKey, secretKey }], projects: [projectId] }],
    limits: { secretsPerProject: Number(values['secrets-per-project']) },
  });
  return { announce: { endpoint: sandbox.endpoint }, stop: sandbox.stop };
});
