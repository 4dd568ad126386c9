/**
 * The CSMS sandbox in its own process for the parked benchmark, with the per-project secret quota raised:
 * CSMS allows 500 secrets per project, and the benchmark gives each parked rotation its own secret.
 *   tsx bench/csms-sandbox.ts --access-key AK --secret-key SK --project-id ID --secrets-per-project N
 * Prints one JSON line `{"endpoint"}` and serves until killed.
 */
import { parseArgs } from 'node:util';
import { startCsmsSandbox } from '../sandbox/csms/server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'access-key': { type: 'string' },
      'secret-key': { type: 'string' },
      'project-id': { type: 'string' },
      'secrets-per-project': { type: 'string', default: '500' },
    },
  });
  const [accessKey, secretKey, projectId] = [values['access-key'], values['secret-key'], values['project-id']];
  if (accessKey === undefined || secretKey === undefined || projectId === undefined) throw new Error('--access-key, --secret-key and --project-id are required');
  const sandbox = await startCsmsSandbox({
    port: 0,
    accounts: [{ credentials: [{ accessKey, secretKey }], projects: [projectId] }],
    limits: { secretsPerProject: Number(values['secrets-per-project']) },
  });
  process.stdout.write(`${JSON.stringify({ endpoint: sandbox.endpoint })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench csms sandbox: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
