/** `rotator delete-now <rotation-id> --yes`: in the recovery window, delete the old key now instead of at deleteAt. */
import type { Command } from 'commander';
import { OperatorError, deleteNow } from '../operations';
import { jsonOption } from './options';
import { showRefusal, showStatus } from './status-view';
import { withClient } from './temporal';

export function addDeleteNowCommand(program: Command): void {
  program
    .command('delete-now <rotation-id>')
    .description('during the recovery window (or needs-attention): delete the old key now instead of at deleteAt; ends "completed"')
    .addHelpText('after', `
Before deleting, the rotation reads the providers: every consumer must hold the new key, the new key must be Active,
and nothing may have re-enabled the old key. Otherwise it is refused, with exit code 3 and the rotation left as it was.`)
    .option('--yes', 'confirm: the old key is deleted for good')
    .addOption(jsonOption('print one JSON object'))
    .action(async (rotationId: string, opts: { yes?: boolean; json?: boolean }) => {
      if (!opts.yes) throw new OperatorError(`delete-now deletes the old key for good; add --yes to confirm`);
      await withClient(async (client) => {
        const status = await deleteNow(client, rotationId).catch((err: unknown) => showRefusal(err, opts.json));
        showStatus(status, opts.json);
      });
    });
}
