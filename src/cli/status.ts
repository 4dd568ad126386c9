/** `rotator status <rotation-id>`: one rotation's phase, keys, deleteAt and what each consumer holds. */
import type { Command } from 'commander';
import { rotationStatus } from '../operations';
import { jsonOption } from './options';
import { showStatus } from './status-view';
import { withClient } from './temporal';

export function addStatusCommand(program: Command): void {
  program
    .command('status <rotation-id>')
    .description('show a rotation: phase, keys, deleteAt, what each consumer holds')
    .addOption(jsonOption('print one JSON object'))
    .action(async (rotationId: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const status = await rotationStatus(client, rotationId);
        showStatus(status, opts.json);
      });
    });
}
