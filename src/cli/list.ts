/** `rotator list`: rotations known to Temporal, newest first, as a tab-separated table or JSON lines. */
import { Option, type Command } from 'commander';
import { PHASES } from '../rotation/model';
import { listRotations, type RotationListing } from '../operations';
import { argument } from './arguments';
import { jsonOption } from './options';
import { print, printJson } from './output';
import { withClient } from './temporal';

const positiveWholeNumber = argument((v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error('must be a positive whole number');
  return n;
});

function printListing(rows: RotationListing[], json: boolean | undefined): void {
  if (json) {
    rows.forEach(printJson);
    return;
  }
  if (rows.length === 0) {
    print('no rotations');
    return;
  }
  print(['ROTATION', 'PHASE', 'DELETE AT', 'STARTED'].join('\t'));
  for (const r of rows) print([r.rotationId, r.phase ?? r.status.toLowerCase(), r.deleteAt ?? '–', r.startTime].join('\t'));
}

export function addListCommand(program: Command): void {
  program
    .command('list')
    .description('list rotations, newest first')
    .addOption(new Option('--phase <phase>', 'only rotations in this phase').choices([...PHASES]))
    .option('--limit <n>', 'at most this many', positiveWholeNumber)
    .addOption(jsonOption('print one JSON object per rotation'))
    .action(async (opts: { phase?: string; limit?: number; json?: boolean }) => {
      await withClient(async (client) => printListing(await listRotations(client, opts), opts.json));
    });
}
