/** `rotator delete-now <rotation-id> --yes`: in the recovery window, delete the old key now instead of at deleteAt. */
import type { Command } from 'commander';
import { OperatorError, deleteNow } from '../operations';
import { jsonOption } from './options';
import { showStatus } from './status-view';
import { withClient } from './temporal';

export function addDeleteNowCommand(program: Command): void {
  program
    .command('delete-now <rotation-id>')
    .description('during the recovery window: delete the old key now instead of at deleteAt; ends "completed"')
    .option('--yes', 'confirm: the old key is deleted for good')
    .addOption(jsonOption('print one JSON object'))
    .action(async (rotationId: string, opts: { yes?: boolean; json?: boolean }) => {
      if (!opts.yes) throw new OperatorError(`delete-now deletes the old key for good; add --yes to confirm`);
      await withClient(async (client) => {
        const status = await deleteNow(client, rotationId);
        showStatus(status, opts.json);
      });
    });
}
