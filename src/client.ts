/**
 * `rotator`: the operator CLI. Every command validates its input before it touches Temporal or a provider,
 * prints no secret, and with --json prints one JSON object per line (documented in the README). The commands
 * live in cli/, a file each; this module wires them and maps failures to exit codes.
 */
import { Command } from 'commander';
import { PHASES } from './rotation/model';

/** The phases of a rotation that goes well (the bracketed ones only with a manual consumer or --await-use). */
const MAIN_PATH = PHASES.slice(0, PHASES.indexOf('completed') + 1).map((p) => (p === 'awaiting-confirmation' || p === 'checking-use' ? `[${p}]` : p));
import { addCodecServerCommand } from './cli/codec-server';
import { addAbortCommand, addConfirmCommand, addProceedCommand } from './cli/cut-over';
import { addDeleteNowCommand } from './cli/delete-now';
import { addDemoCommand } from './cli/demo';
import { reportFailure } from './cli/exit-codes';
import { addListCommand } from './cli/list';
import { addRestoreCommand } from './cli/restore';
import { addRotateCommand } from './cli/registry';
import { addFleetCommand, addPlanCommand } from './cli/fleet';
import { addScheduleCommand } from './cli/schedule';
import { addStatusCommand } from './cli/status';
import { addWorkerCommand } from './cli/worker';

// names AWS and SORACOM variables and the aws-iam id form: provider knowledge a registry does not supply yet
const ROOT_HELP = `
Connection: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default "default"), or a
temporal.toml profile (TEMPORAL_PROFILE). AWS: the SDK's default credential chain; AWS_ENDPOINT_URL_IAM /
AWS_ENDPOINT_URL_STS point it at an emulator. SORACOM (worker): SORACOM_AUTH_KEY_ID and SORACOM_AUTH_KEY (or
SORACOM_AUTH_KEY_FILE, a JSON file the rotator can rotate) and SORACOM_ENDPOINT or SORACOM_COVERAGE_TYPE=jp|g.

A rotation goes: ${MAIN_PATH.join(' → ')}
(other endings: compensating → failed, restored; awaiting-use and needs-attention wait for an operator). Its id is derived from the credential:
aws-iam:<account>:<user>, so there is only ever one live rotation per key.`;

/** The commands in help order. */
const COMMANDS: readonly ((program: Command) => void)[] = [
  addWorkerCommand,
  addRotateCommand,
  addPlanCommand,
  addFleetCommand,
  (program) => addScheduleCommand(program, buildCli),
  addStatusCommand,
  addListCommand,
  addConfirmCommand,
  addProceedCommand,
  addAbortCommand,
  addRestoreCommand,
  addDeleteNowCommand,
  addCodecServerCommand,
  addDemoCommand,
];

export function buildCli(): Command {
  const program = new Command('rotator')
    .exitOverride() // before the subcommands, which inherit it: usage errors exit 2 from main()
    // `schedule create NAME … rotate …`: the options after the scheduled command belong to it
    .enablePositionalOptions()
    .description('Rotate long-lived cloud credentials as durable Temporal workflows, without cutting off their consumers.')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', ROOT_HELP);
  for (const addCommand of COMMANDS) addCommand(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    reportFailure(err);
  }
}

// `rotator list | head` closes the pipe early: that is the reader's choice, not an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

if (require.main === module) {
  void main();
}
