/**
 * Before the old credential is deactivated: `rotator confirm` (a person applied the credential handed to them),
 * `rotator proceed` (deactivate without the evidence) and `rotator abort` (undo; the old credential stays in use).
 */
import type { Command } from 'commander';
import { abortRotation, confirmHandOver, OperatorError, proceedRotation } from '../operations';
import { jsonOption } from './options';
import { showRefusal, showStatus } from './status-view';
import { withClient } from './temporal';

/** Who acts, as recorded in the rotation's status: the login of whoever runs the CLI. */
const actor = (): string | undefined => process.env.USER || undefined;

export function addConfirmCommand(program: Command): void {
  program
    .command('confirm <rotation-id>')
    .description('a person or team handed the new credential (--consumer manual:<name>@…) has applied it')
    .requiredOption('--consumer <manual:name>', 'which manual consumer confirms, as `rotator status` names it (manual:<name>)')
    .addOption(jsonOption('print one JSON object'))
    .addHelpText('after', `
Once every manual consumer has confirmed, the rotation goes on: the pickup grace, the evidence of use if it was
started with --await-use, then the old credential is deactivated. Confirming twice is harmless.
Exit code 2: the rotation is not waiting for confirmations, or has no such manual consumer.`)
    .action(async (rotationId: string, opts: { consumer: string; json?: boolean }) => {
      if (!opts.consumer.startsWith('manual:')) throw new OperatorError(`--consumer '${opts.consumer}': only a manual consumer confirms, named manual:<name> as 'rotator status ${rotationId}' shows it`);
      await withClient(async (client) => {
        const status = await confirmHandOver(client, rotationId, opts.consumer, actor()).catch((err: unknown) => showRefusal(err, opts.json));
        showStatus(status, opts.json);
      });
    });
}

export function addProceedCommand(program: Command): void {
  program
    .command('proceed <rotation-id>')
    .description('before deactivation: stop waiting for evidence of use or confirmations and deactivate the old credential')
    .option('--yes', 'confirm: whatever still uses the old credential stops working (restorable during the window)')
    .addOption(jsonOption('print one JSON object'))
    .addHelpText('after', `
Before deactivating, the rotation reads the providers again: every consumer must still hold the new credential and
it must be Active. Otherwise proceed is refused, with exit code 3 and the rotation left as it was. The old credential
stays restorable for the recovery window ('rotator restore').`)
    .action(async (rotationId: string, opts: { yes?: boolean; json?: boolean }) => {
      if (!opts.yes) throw new OperatorError(`proceed deactivates the old credential although the rotation has not seen all it waits for; whatever still uses it stops working. Add --yes to confirm`);
      await withClient(async (client) => {
        const status = await proceedRotation(client, rotationId, actor()).catch((err: unknown) => showRefusal(err, opts.json));
        showStatus(status, opts.json);
      });
    });
}

export function addAbortCommand(program: Command): void {
  program
    .command('abort <rotation-id>')
    .description('before deactivation: undo the rotation; the old credential stays in use (ends "failed", type RotationAborted)')
    .addOption(jsonOption('print one JSON object'))
    .addHelpText('after', `
Undoing rolls back each consumer that can be put back and deletes the new credential unless something holds it,
or it was handed over to a person (who may have applied it): the status says what was kept, and why.`)
    .action(async (rotationId: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const status = await abortRotation(client, rotationId, actor()).catch((err: unknown) => showRefusal(err, opts.json));
        showStatus(status, opts.json);
      });
    });
}
