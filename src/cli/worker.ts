/** `rotator worker`: runs the rotation workflows and every provider's activities, configured by environment only. */
import type { Command } from 'commander';
import { runWorkerProcess } from '../worker';

const HELP = `
Configured by environment only (README "Pointing it at real AWS, SORACOM and a Temporal cluster"). It refuses to
start without both key rings:
  ROTATOR_CODEC_KEYS or ROTATOR_CODEC_KEY_FILE   encrypt every payload (the CLI and the codec server hold them too)
  ROTATOR_SEAL_KEYS or ROTATOR_SEAL_KEY_FILE     seal every secret inside them (workers only; never a codec key)
Each is '<keyId>:<base64 of 32 bytes>[,<olderId>:<base64>…]', newest first; make a key with \`openssl rand -base64 32\`.`;

export function addWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the worker: the rotation workflows and every provider activity queue')
    .addHelpText('after', HELP)
    .action(async () => {
      await runWorkerProcess();
    });
}
