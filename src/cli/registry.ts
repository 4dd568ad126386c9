/** The CLI's half of the provider registry: `rotator rotate <source>`, one subcommand per source, each defined in its provider's folder (`cli.ts`). */
import type { Command } from 'commander';
import { addAwsIamKeyCommand } from '../providers/aws-iam/cli';
import { addSoracomAuthKeyCommand } from '../providers/soracom/cli';
import { addWallarmTokenCommand } from '../providers/wallarm/cli';
import { SOURCES, type SourceKind } from '../rotation/registry';
import type { FleetDecision, FleetSelection } from '../rotation/fleet';
import { addAwsIamKeysOptions, awsIamKeysSelection, planAwsIamKeys, type AwsIamKeysOptions } from '../providers/aws-iam/fleet-cli';

/** Each source's `rotate` subcommand: a source missing here is a compile error. */
const SOURCE_COMMANDS: Record<SourceKind, (rotate: Command) => void> = {
  'aws-iam-access-key': addAwsIamKeyCommand,
  'wallarm-api-token': addWallarmTokenCommand,
  'soracom-auth-key': addSoracomAuthKeyCommand,
};

export function addRotateCommand(program: Command): void {
  const rotate = program.command('rotate').description('start a rotation');
  // in the registry's order, which is the help's
  for (const kind of Object.keys(SOURCES) as SourceKind[]) SOURCE_COMMANDS[kind](rotate);
}

/** How the CLI selects and plans each kind of fleet: a kind missing here is a compile error. */
export interface FleetCommand {
  description: string;
  addOptions(command: Command): Command;
  selection(opts: Record<string, unknown>): Promise<FleetSelection>;
  /** the plan, read from the CLI's process; `rotating`: the rotations running now */
  plan(selection: FleetSelection, rotating: ReadonlySet<string>): AsyncIterable<FleetDecision>;
}

export const FLEET_COMMANDS: Record<FleetSelection['kind'], FleetCommand> = {
  'aws-iam-keys': {
    description: "the IAM users of an AWS account: consumers from each user's tag rotator:consumers, exemptions from rotator:exempt",
    addOptions: addAwsIamKeysOptions,
    selection: (opts) => awsIamKeysSelection(opts as unknown as AwsIamKeysOptions),
    plan: (selection, rotating) => planAwsIamKeys(selection, rotating),
  },
};
