/** JSON files on the workers' file system, as the rotator's registry knows them (workflow-safe: no I/O, no Node built-ins). */
import { z } from 'zod';
import { defineConsumer, personName, type ProviderDescriptor } from '../../rotation/descriptors';

export const fileProvider: ProviderDescriptor = {
  queue: 'provider-file',
  // local file writes: no remote limit, just keep them few
  pace: { rps: 20, concurrency: 4 },
  secretFields: [],
};

/**
 * Absolute, normalised POSIX paths only (no `.`/`..` segments, no `//`, no trailing `/`): the file is written beside
 * itself (temp + rename), so its directory must be unambiguous.
 */
export const consumerFilePath = () =>
  z
    .string()
    .max(4096, 'file path must be at most 4096 characters')
    .refine((p) => p.startsWith('/'), 'file path must be absolute, e.g. /etc/rotator/auth-key.json')
    .refine((p) => !p.includes('\0') && p.length > 1 && !p.endsWith('/') && !p.includes('//') && !p.split('/').some((seg) => seg === '.' || seg === '..'), 'file path must be a normalised path to a file (no ., .., // or trailing /)');

/** A JSON file on the worker's file system (the rotator's own key file, say), replaced atomically. */
export const fileConsumer = defineConsumer({
  kind: 'file',
  provider: 'file',
  schema: () => z.object({ kind: z.literal('file'), path: consumerFilePath(), person: personName().optional() }),
  label: (c) => `file:${c.path}`,
  mode: () => 'replace',
  home: (c) => c.path,
  place: 'file',
  holds: ['json'],
  handOver: 'reads the JSON file on the worker host',
  // the path may itself hold colons: everything after `file:` is the path
  cli: { prefix: 'file', syntax: 'file:<absolute path>', parse: (rest) => ({ path: rest }), help: '(a JSON file on the workers, replaced atomically)' },
});
