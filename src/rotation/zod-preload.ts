/**
 * Loaded once into each worker's workflow context before any workflow (src/workflow-bundling.ts); the SDK then freezes
 * what it exported. zod fills its global config lazily (the English locale on the first schema, its memoizer on the
 * first object schema) and builds a parse's error on first read: a frozen config would refuse both. So this builds the
 * model's schemas, and parses valid and invalid values of every kind of check they use, reading every error, before
 * the freeze. Naming zod alone would not do: webpack drops a bare require('zod'), zod declaring itself side-effect free.
 * In workflow code, never call z.config() (frozen) or .meta({ id }) (the global registry would keep schemas alive).
 */
import { z } from 'zod';
import { defineRotationSchemas } from './schemas';
import { SOURCES } from './registry';

// every check the registry's schemas use, in one throwaway schema: the issue kinds a request can raise
const Checks = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('checks'),
    choice: z.enum(['a', 'b']),
    count: z.number().int().min(1).max(9),
    name: z.string().regex(/^[a-z]+$/).max(8),
    path: z.string().refine((p) => p.startsWith('/'), 'must be absolute'),
    mode: z.enum(['x', 'y']).default('x'),
    list: z.array(z.string()).min(1),
    extra: z.number().optional(),
  }),
]);
const valid = { kind: 'checks', choice: 'a', count: 1, name: 'ok', path: '/p', list: ['x'] };
const invalid: unknown[] = [
  { ...valid, choice: 'c', count: 1.5, name: 'A B', path: 'p', list: [] }, // invalid_value, not_multiple_of, invalid_format, custom, too_small
  { ...valid, count: 99, name: 'x'.repeat(9), extra: 'x' }, // too_big, invalid_type
  { kind: 'none' }, // invalid_union (discriminator)
  'not an object',
];
Checks.safeParse(valid);
for (const input of invalid) void Checks.safeParse(input).error?.issues.map((i) => i.message);

const { RotationRequest } = defineRotationSchemas();
for (const input of [{}, 'not an object', ...Object.keys(SOURCES).map((kind) => ({ source: { kind }, consumers: [{ kind: 'none' }], recoveryWindowDays: 0 }))]) {
  void RotationRequest.safeParse(input).error?.issues.map((i) => i.message);
}
