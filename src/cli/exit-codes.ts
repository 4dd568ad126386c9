/**
 * The CLI's exit codes (README "CLI") and how a failure becomes one: 0 success, 1 failed, 2 refused before any change,
 * 3 refused because the providers no longer allow the action.
 */
import { CommanderError } from 'commander';
import { ActionRefusedError, OperatorError } from '../operations';

/** A rotation ended `failed`, a batch left a credential alone, or something unexpected broke. */
export const EXIT_FAILED = 1;
/** Bad input or a refused action: nothing was started or changed. */
export const EXIT_REFUSED = 2;
/** restore or delete-now refused because the world changed (e.g. the old key was deleted by hand): nothing changed, the rotation waits on. */
export const EXIT_WORLD_CHANGED = 3;

/** Prints why a command stopped (an OperatorError as is) and sets the exit code for it. */
export function reportFailure(err: unknown): void {
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help) to stderr
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_REFUSED;
    return;
  }
  const message = err instanceof OperatorError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  process.stderr.write(`rotator: ${message}\n`);
  process.exitCode = err instanceof ActionRefusedError ? EXIT_WORLD_CHANGED : err instanceof OperatorError ? EXIT_REFUSED : EXIT_FAILED;
}
