/** `rotator demo`: the README's main job on local emulators (`npm run demo`). */
import type { Command } from 'commander';
import { runDemo } from '../demo-loader';

export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start a local Temporal dev server, moto, the SORACOM sandbox and a worker, then run a real rotation')
    .action(async () => {
      await runDemo();
    });
}
