/** `rotator rotate <source>`: one subcommand per source, each defined in its own module under sources/. */
import type { Command } from 'commander';
import { addAwsIamKeyCommand } from './sources/aws-iam-key';
import { addSoracomAuthKeyCommand } from './sources/soracom-auth-key';
import { addWallarmTokenCommand } from './sources/wallarm-token';

/** In help order; the one list a provider registry would supply. */
const SOURCE_COMMANDS: readonly ((rotate: Command) => void)[] = [addAwsIamKeyCommand, addWallarmTokenCommand, addSoracomAuthKeyCommand];

export function addRotateCommand(program: Command): void {
  const rotate = program.command('rotate').description('start a rotation');
  for (const addSource of SOURCE_COMMANDS) addSource(rotate);
}
