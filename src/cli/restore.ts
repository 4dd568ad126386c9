/** `rotator restore <rotation-id>`: in the recovery window, re-enable the old key; consumers keep the new one. */
import type { Command } from 'commander';
import { restoreRotation } from '../operations';
import { jsonOption } from './options';
import { showRefusal, showStatus } from './status-view';
import { withClient } from './temporal';

export function addRestoreCommand(program: Command): void {
  program
    .command('restore <rotation-id>')
    .description('during the recovery window (or needs-attention): re-enable the old key (consumers keep the new one); ends "restored"')
    .addHelpText('after', `
Refused, with exit code 3 and the rotation left as it was, when the providers no longer allow it (e.g. the old key
was deleted by hand). Exit code 2: the rotation is not waiting for one (it ended, or has not reached its window).`)
    .addOption(jsonOption('print one JSON object'))
    .action(async (rotationId: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const status = await restoreRotation(client, rotationId).catch((err: unknown) => showRefusal(err, opts.json));
        showStatus(status, opts.json);
      });
    });
}
