/**
 * `rotator schedule …`: rotation on its own. `create NAME --every PERIOD <command>` takes the very command line an
 * operator would run now — `rotate <source> …` or `fleet <fleet> …` — and runs it on a Temporal Schedule instead.
 */
import { Command } from 'commander';
import { OperatorError } from '../operations';
import {
  checkScheduleName,
  createSchedule,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  parseEvery,
  parseJitter,
  pauseSchedule,
  triggerSchedule,
  updateSchedule,
  type ScheduleView,
  type ScheduledOrder,
} from '../schedules';
import { argument } from './arguments';
import { captureOrder } from './capture';
import { jsonOption } from './options';
import { print, printJson } from './output';
import { withClient } from './temporal';

const HELP = `
What to run follows the options, exactly as you would run it now:
  rotator schedule create funnel-writer --every 2160h rotate aws-iam-key --user funnel-writer --account 123456789012 --consumer soracom:funnel-aws
  rotator schedule create keys-90d --every 24h --jitter 1h fleet aws-iam-keys --account 123456789012 --max-age 90d

Runs one at a time: a run that finds the credential already rotating, or the previous fleet run still going, is
recorded as skipped (see 'rotator schedule describe NAME'), never as a failure. --every takes 6h to 8760h, as Huawei
CSMS's rotation_period does (d, h, m, s: 90d = 2160h).`;

/** The order a `rotate …` or `fleet …` command line would start, read through the CLI itself. */
async function orderOf(command: string[], buildCli: () => Command): Promise<ScheduledOrder> {
  if (command[0] !== 'rotate' && command[0] !== 'fleet') {
    throw new OperatorError(`what to schedule must be a 'rotate …' or 'fleet …' command; got '${command.join(' ')}'`);
  }
  const order = await captureOrder(async () => {
    await buildCli().parseAsync(['node', 'rotator', ...command]);
  });
  if (!order) throw new OperatorError(`'${command.join(' ')}' does not start a single rotation or a fleet run, so it cannot be scheduled (a batch such as --expiring-within runs from cron or a fleet)`);
  return order;
}

const hours = (h: number | null) => (h === null ? '–' : `${h}h`);

function showView(v: ScheduleView, json: boolean | undefined): void {
  if (json) {
    printJson(v);
    return;
  }
  print(`schedule   ${v.name}${v.paused ? ' (paused)' : ''}`);
  print(`runs       ${v.what}`);
  print(`every      ${hours(v.everyHours)}${v.jitterHours ? ` (jitter ${hours(v.jitterHours)})` : ''}; next ${v.nextRunAt ?? '–'}`);
  if (v.note) print(`note       ${v.note}`);
  if (v.skippedOverlapping) print(`skipped    ${v.skippedOverlapping} run(s) while the previous one was still going`);
  for (const r of v.recentRuns) print(`run        ${r.scheduledAt}  ${r.outcome}`);
}

export function addScheduleCommand(program: Command, buildCli: () => Command): void {
  const schedule = program.command('schedule').description('rotate on a schedule (Temporal Schedules, on the UI\'s Schedules page)');

  const createOptions = (command: Command) =>
    command
      .option('--every <period>', 'how often: 6h to 8760h (d, h, m, s), e.g. 2160h or 90d', argument(parseEvery))
      .option('--jitter <duration>', 'spread each run by up to this much, at most the period')
      .option('--paused', 'create it paused')
      .option('--note <text>', 'why the schedule exists, shown by describe and the UI');
  createOptions(schedule.command('create <name> <command...>'))
    .description('run a `rotate …` or `fleet …` command on a schedule')
    .passThroughOptions()
    .addHelpText('after', HELP)
    .action(async (name: string, rest: string[], early: CreateOptions) => {
      checkName(name);
      // options given after NAME arrive with the command: they are ours up to where the command starts
      const { opts, command } = splitCreate(rest, early, createOptions);
      if (opts.every === undefined) throw new OperatorError("schedule create needs --every <period>, e.g. --every 2160h");
      const jitterMs = opts.jitter === undefined ? undefined : argumentOf(() => parseJitter(opts.jitter!, opts.every!));
      const order = await orderOf(command, buildCli);
      await withClient(async (client) => {
        await createSchedule(client, name, order, { everyMs: opts.every!, jitterMs, paused: opts.paused, note: opts.note });
        showView(await describeSchedule(client, name), false);
      });
    });

  schedule
    .command('list')
    .description('every schedule: what it runs, how often, its next and recent runs')
    .addOption(jsonOption('one JSON object per schedule'))
    .action(async (opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const views = await listSchedules(client);
        if (!opts.json && views.length === 0) print('no schedules');
        views.forEach((v, i) => {
          if (!opts.json && i > 0) print('');
          showView(v, opts.json);
        });
      });
    });

  schedule
    .command('describe <name>')
    .description('one schedule, with the outcome of each recent run (started, skipped and why, a fleet run\'s counts)')
    .addOption(jsonOption('print one JSON object'))
    .action(async (name: string, opts: { json?: boolean }) => withClient(async (client) => showView(await describeSchedule(client, checkName(name)), opts.json)));

  for (const [verb, paused] of [['pause', true], ['unpause', false]] as const) {
    schedule
      .command(`${verb} <name>`)
      .description(paused ? 'stop running it until unpaused' : 'run it again on its period')
      .option('--note <text>', 'why, shown by describe and the UI')
      .addOption(jsonOption('print the schedule as one JSON object'))
      .action(async (name: string, opts: { note?: string; json?: boolean }) =>
        withClient(async (client) => {
          await pauseSchedule(client, checkName(name), paused, opts.note);
          showView(await describeSchedule(client, name), opts.json);
        }),
      );
  }

  schedule
    .command('trigger <name>')
    .description('run it now (one at a time still holds: skipped if the previous run is going)')
    .addOption(jsonOption('print the schedule as one JSON object'))
    .action(async (name: string, opts: { json?: boolean }) =>
      withClient(async (client) => {
        await triggerSchedule(client, checkName(name));
        showView(await describeSchedule(client, name), opts.json);
      }),
    );

  const updateOptions = (command: Command) =>
    command
      .option('--every <period>', 'how often: 6h to 8760h', argument(parseEvery))
      .option('--jitter <duration>', 'spread each run by up to this much')
      .addOption(jsonOption('print the schedule as one JSON object'));
  updateOptions(schedule.command('update <name> [command...]'))
    .description('change its period, jitter, or what it runs (a new `rotate …` or `fleet …` command)')
    .passThroughOptions()
    .action(async (name: string, rest: string[], early: CreateOptions & { json?: boolean }) => {
      checkName(name);
      const { opts, command } = splitCreate(rest, early, updateOptions);
      const order = command.length > 0 ? await orderOf(command, buildCli) : undefined;
      await withClient(async (client) => {
        const jitterMs = opts.jitter === undefined ? undefined : argumentOf(() => parseJitter(opts.jitter!, opts.every ?? Number.MAX_SAFE_INTEGER));
        await updateSchedule(client, name, { everyMs: opts.every, jitterMs, order });
        showView(await describeSchedule(client, name), opts.json);
      });
    });

  schedule
    .command('delete <name>')
    .description('delete the schedule (rotations it started go on)')
    .option('--json', 'print {name, deleted: true}')
    .action(async (name: string, opts: { json?: boolean }) =>
      withClient(async (client) => {
        await deleteSchedule(client, checkName(name));
        if (opts.json) printJson({ name, deleted: true });
        else print(`deleted schedule ${name}; rotations it started go on`);
      }),
    );
}

interface CreateOptions {
  every?: number;
  jitter?: string;
  paused?: boolean;
  note?: string;
  json?: boolean;
}

/** Splits what follows NAME into this command's own options and the scheduled command (from `rotate`/`fleet` on). */
function splitCreate(rest: string[], early: CreateOptions, withOptions: (c: Command) => Command): { opts: CreateOptions; command: string[] } {
  const at = rest.findIndex((t) => t === 'rotate' || t === 'fleet');
  const head = at < 0 ? rest : rest.slice(0, at);
  const own = withOptions(new Command('schedule')).exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
  own.parse(head, { from: 'user' });
  return { opts: { ...early, ...own.opts<CreateOptions>() }, command: at < 0 ? [] : rest.slice(at) };
}

/** A bad name or jitter is a usage error: exit 2, nothing created. */
function argumentOf<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new OperatorError((err as Error).message);
  }
}

function checkName(name: string): string {
  return argumentOf(() => checkScheduleName(name));
}

