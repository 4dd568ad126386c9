/** Huawei Cloud CSMS secrets, as the rotator's registry knows them (workflow-safe: no I/O). */
import { z } from 'zod';
import { defineConsumer, personName, type ProviderDescriptor } from '../../rotation/descriptors';

export const csmsProvider: ProviderDescriptor = {
  queue: 'provider-csms',
  // no CSMS limit is published; the API gateway's default is about 200 requests/s per API
  pace: { rps: 10, concurrency: 10 },
  secretFields: ['secretString', 'secret_string', 'secret'],
};

/** CSMS secret names (CreateSecret: `^[a-zA-Z0-9_-]{1,64}$`). */
export const csmsSecretName = () => z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'CSMS secret name must be 1–64 characters of letters, digits, _ and -');

/** A Huawei Cloud CSMS secret: each rotation adds a version that takes SYSCURRENT; the previous one keeps SYSPREVIOUS. */
export const csmsSecret = defineConsumer({
  kind: 'csms-secret',
  provider: 'csms',
  schema: () => z.object({ kind: z.literal('csms-secret'), secretName: csmsSecretName(), person: personName().optional() }),
  label: (c) => `csms:${c.secretName}`,
  mode: () => 'new-version',
  home: (c) => c.secretName,
  place: 'secret',
  holds: ['json'],
  handOver: 'reads the secret in the CSMS console or with hcloud CSMS ShowSecretVersion',
  cli: {
    prefix: 'csms',
    syntax: 'csms:<secretName>',
    parse: (rest) => (rest && !rest.includes(':') ? { secretName: rest } : undefined),
    help: '(a new Huawei Cloud CSMS secret version that takes SYSCURRENT)',
  },
});
