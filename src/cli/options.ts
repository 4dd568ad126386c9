/** Options several commands share, built once so their flags, checks and help read the same everywhere. */
import { Option } from 'commander';

/** `--json`, described as what this command prints. */
export const jsonOption = (description: string) => new Option('--json', description);
