/** The CLI's half of the provider registry: `rotator rotate <source>`, one subcommand per source, each defined in its provider's folder (`cli.ts`). */
import type { Command } from 'commander';
import { addAwsIamKeyCommand } from '../providers/aws-iam/cli';
import { addSoracomAuthKeyCommand } from '../providers/soracom/cli';
import { addWallarmTokenCommand } from '../providers/wallarm/cli';
import { SOURCES, type SourceKind } from '../rotation/registry';
import type { FleetDecision, FleetKind, FleetSelection, SelectionOf } from '../rotation/fleet';
import { addAwsIamKeysOptions, awsIamKeysSelection, planAwsIamKeys, type AwsIamKeysOptions } from '../providers/aws-iam/fleet-cli';
import { addSoracomAuthKeysOptions, planSoracomAuthKeys, soracomAuthKeysSelection, type SoracomAuthKeysOptions } from '../providers/soracom/fleet-cli';
import { addWallarmTokensOptions, planWallarmTokens, wallarmTokensSelection, type WallarmTokensOptions } from '../providers/wallarm/fleet-cli';

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

/** How the CLI selects and plans one kind of fleet, each defined in its provider's folder (`fleet-cli.ts`). */
export interface FleetCommand<S extends FleetSelection = FleetSelection> {
  description: string;
  addOptions(command: Command): Command;
  selection(opts: Record<string, unknown>): Promise<S>;
  /** the plan, read from the CLI's process; `rotating`: the rotations running now */
  plan(selection: S, rotating: ReadonlySet<string>): AsyncIterable<FleetDecision>;
}

/** Each kind of fleet's `plan` and `fleet` subcommands: a kind missing here is a compile error. */
export const FLEET_COMMANDS: { [K in FleetKind]: FleetCommand<SelectionOf<K>> } = {
  'aws-iam-keys': {
    description: "the IAM users of an AWS account: consumers from each user's tag rotator:consumers, exemptions from rotator:exempt",
    addOptions: addAwsIamKeysOptions,
    selection: (opts) => awsIamKeysSelection(opts as unknown as AwsIamKeysOptions),
    plan: (selection, rotating) => planAwsIamKeys(selection, rotating),
  },
  'wallarm-tokens': {
    description: 'the Wallarm API tokens the rotator sees, due by expiry: consumers from the consumer map, by token name',
    addOptions: addWallarmTokensOptions,
    selection: (opts) => wallarmTokensSelection(opts as unknown as WallarmTokensOptions),
    plan: (selection, rotating) => planWallarmTokens(selection, rotating),
  },
  'soracom-auth-keys': {
    description: "the AuthKeys of a SORACOM operator's SAM users, due by age: consumers from the consumer map, by user name",
    addOptions: addSoracomAuthKeysOptions,
    selection: (opts) => soracomAuthKeysSelection(opts as unknown as SoracomAuthKeysOptions),
    plan: (selection, rotating) => planSoracomAuthKeys(selection, rotating),
  },
};
