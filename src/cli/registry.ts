/** The CLI's half of the provider registry: `rotator rotate <source>`, one subcommand per source, each defined in its provider's folder (`cli.ts`). */
import type { Command } from 'commander';
import { addAwsIamKeyCommand } from '../providers/aws-iam/cli';
import { addSoracomAuthKeyCommand } from '../providers/soracom/cli';
import { addWallarmTokenCommand } from '../providers/wallarm/cli';
import { SOURCES, type SourceKind } from '../rotation/registry';

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
