/** `rotator restore <rotation-id>`: in the recovery window, re-enable the old key; consumers keep the new one. */
import type { Command } from 'commander';
import { restoreRotation } from '../operations';
import { jsonOption } from './options';
import { showStatus } from './status-view';
import { withClient } from './temporal';

export function addRestoreCommand(program: Command): void {
  program
    .command('restore <rotation-id>')
    .description('during the recovery window: re-enable the old key (consumers keep the new one); ends "restored"')
    .addOption(jsonOption('print one JSON object'))
    .action(async (rotationId: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const status = await restoreRotation(client, rotationId);
        showStatus(status, opts.json);
      });
    });
}
