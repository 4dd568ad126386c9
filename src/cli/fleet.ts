/**
 * `rotator plan <fleet>`: which credentials of a fleet are due, and why each other one is left alone (reads only).
 * `rotator fleet <fleet>`: one run of that plan, a rotation started per credential it selects.
 */
import { Option, type Command } from 'commander';
import { fleetReport, runningRotationIds, startFleet } from '../operations';
import type { FleetDecision, FleetReport, FleetSelection } from '../rotation/fleet';
import { argument } from './arguments';
import { captured } from './capture';
import { EXIT_FAILED } from './exit-codes';
import { collectTargets, jsonOption } from './options';
import { print, printJson } from './output';
import { FLEET_COMMANDS, type FleetCommand } from './registry';
import { withClient } from './temporal';

const concurrencyOption = argument((v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new Error('must be a whole number from 1 to 100');
  return n;
});

function printDecision(d: FleetDecision, json: boolean | undefined): void {
  if (json) printJson({ rotationId: d.rotationId, subject: d.subject, keyAgeDays: d.keyAgeDays, action: d.action, reason: d.reason });
  else print([d.action.padEnd(6), d.rotationId, d.keyAgeDays === null ? '–' : `${d.keyAgeDays}d`, d.reason].join('\t'));
}

/** The plan as a run would make it, the rotations running now included. */
async function showPlan(selection: FleetSelection, plan: (rotating: ReadonlySet<string>) => AsyncIterable<FleetDecision>, json: boolean | undefined): Promise<void> {
  await withClient(async (client) => {
    const counts = { rotate: 0, skip: 0 };
    if (!json) print(['ACTION', 'ROTATION', 'KEY AGE', 'REASON'].join('\t'));
    for await (const d of plan(await runningRotationIds(client))) {
      counts[d.action]++;
      printDecision(d, json);
    }
    if (!json) print(`\n${counts.rotate} to rotate, ${counts.skip} to skip, as of ${selection.asOf ?? 'now'}; nothing was changed`);
  });
}

function printReport(fleetId: string, report: FleetReport, json: boolean | undefined): void {
  if (json) {
    printJson({ fleetId, ...report });
    return;
  }
  const { rotated, skipped, failed } = report.counts;
  print(`fleet ${fleetId}: ${rotated} rotated, ${skipped} skipped, ${failed} failed${report.inFlight.length ? `, ${report.inFlight.length} in flight` : ''}`);
  for (const r of report.rotated) print(`rotated\t${r.rotationId}\t${r.phase}`);
  for (const s of report.skipped) print(`skipped\t${s.rotationId}\t${s.reason}`);
  for (const f of report.failed) print(`failed\t${f.rotationId}\t${f.problem}`);
}

async function runFleet(selection: FleetSelection, opts: { concurrency: number; pagesPerGeneration?: number; notify?: string[]; wait?: boolean; json?: boolean }): Promise<void> {
  const input = { selection, concurrency: opts.concurrency, ...(opts.pagesPerGeneration ? { pagesPerGeneration: opts.pagesPerGeneration } : {}), ...(opts.notify?.length ? { notify: opts.notify } : {}) };
  if (captured({ kind: 'fleet', input })) return;
  await withClient(async (client) => {
    const fleetId = await startFleet(client, input);
    if (opts.json) printJson({ fleetId, started: true });
    else print(`started fleet run ${fleetId}`);
    if (!opts.wait) return;
    for (let last = '';;) {
      const { done, report } = await fleetReport(client, fleetId);
      const line = `${report.counts.rotated} rotated, ${report.counts.skipped} skipped, ${report.counts.failed} failed, ${report.inFlight.length} in flight`;
      if (line !== last && !opts.json) print(`  ${new Date().toISOString()}  ${line}`);
      last = line;
      if (done) {
        printReport(fleetId, report, opts.json);
        if (report.counts.failed > 0) process.exitCode = EXIT_FAILED;
        return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  });
}

export function addPlanCommand(program: Command): void {
  const plan = program.command('plan').description('show which credentials of a fleet are due for rotation, and why the others are not; changes nothing');
  for (const [kind, fleet] of Object.entries(FLEET_COMMANDS) as [string, FleetCommand][]) {
    fleet
      .addOptions(plan.command(kind).description(`plan ${fleet.description}`))
      .addOption(jsonOption('one JSON object per credential: rotationId, subject, keyAgeDays, action, reason'))
      .action(async (opts: Record<string, unknown> & { json?: boolean }) => {
        const selection = await fleet.selection(opts);
        await showPlan(selection, (rotating) => fleet.plan(selection, rotating), opts.json);
      });
  }
}

export function addFleetCommand(program: Command): void {
  const run = program.command('fleet').description('rotate every credential of a fleet that its plan selects (see `rotator plan`)');
  for (const [kind, fleet] of Object.entries(FLEET_COMMANDS) as [string, FleetCommand][]) {
    fleet
      .addOptions(run.command(kind).description(`rotate ${fleet.description}`))
      .option('--concurrency <n>', 'rotations between starting and parking in their window at once, 1..100', concurrencyOption, 10)
      .option('--wait', 'follow the run until every rotation it started parked in its window or failed')
      .option('--notify <target>', "tell this target (defined on the workers) the run's summary; repeatable", collectTargets)
      // for tests and tuning: how many plan pages a run takes before it continues as new
      .addOption(new Option('--pages-per-generation <n>').argParser(concurrencyOption).hideHelp())
      .addOption(jsonOption('print JSON lines: {fleetId, started}, then the report'))
      .action(async (opts: Record<string, unknown> & { concurrency: number; pagesPerGeneration?: number; notify?: string[]; wait?: boolean; json?: boolean }) => {
        await runFleet(await fleet.selection(opts), opts);
      });
  }
}
