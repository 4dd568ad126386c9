/**
 * Loaded once into each worker's workflow context before any workflow (src/workflow-bundling.ts); the SDK then freezes
 * what it exported. zod fills its global config lazily (the English locale on the first schema, its memoizer on the
 * first object schema) and builds a parse's error on first read: a frozen config would refuse both. So this builds the
 * model's schemas and parses a valid request and invalid ones, reading every error, before the freeze.
 * Naming zod alone would not do: webpack drops a bare require('zod'), zod declaring itself side-effect free.
 * In workflow code, never call z.config() (frozen) or .meta({ id }) (the global registry would keep schemas alive).
 */
import { defineRotationSchemas } from './schemas';

const { RotationRequest } = defineRotationSchemas();
const source = { kind: 'aws-iam-access-key', userName: 'preload', accountId: '000000000000' } as const;
const consumer = { kind: 'soracom-credentials-set', credentialsId: 'preload' } as const;
const invalid: unknown[] = [
  { source, consumers: [consumer, consumer], recoveryWindowDays: 0, pickupGraceSeconds: 1.5 }, // too_small, not_multiple_of, custom
  { source: { kind: 'none' }, consumers: [{ kind: 'none' }] }, // invalid_union (discriminator)
  { source: { kind: 'wallarm-api-token', cloud: 'mars', tokenId: 'x' }, consumers: [] }, // invalid_value (enum), invalid_type
  { source: { ...source, userName: 'a b', accountId: 1 }, consumers: [{ kind: 'file', path: 'relative' }] }, // invalid_format, custom
  'not an object',
];
RotationRequest.safeParse({ source, consumers: [consumer] });
for (const input of invalid) void RotationRequest.safeParse(input).error?.issues.map((i) => i.message);
