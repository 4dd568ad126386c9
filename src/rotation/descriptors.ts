/**
 * What a provider tells the rest of the rotator about itself, in the shape every provider fills in. These are the parts
 * the workflow needs too (request schemas, ids, labels, task queues), so they stay free of I/O and Node built-ins; a
 * provider's clients and activities are registered apart (src/activities/registry.ts). Schemas are built by factories:
 * a schema built at module level would be copied into every rotation a worker caches.
 */
import { z } from 'zod';

/** A provider's home: its task queue, pace and the names its secrets travel under. */
export interface ProviderDescriptor {
  /** its activities' task queue: one per provider, so the server enforces each provider's request rate on its own */
  readonly queue: `provider-${string}`;
  /** default pace (ROTATOR_<PROVIDER>_RPS / _CONCURRENCY override it): requests per second across all workers, and per worker at once */
  readonly pace: { readonly rps: number; readonly concurrency: number };
  /** headers and fields of its requests that carry secrets, redacted from logs at any depth */
  readonly secretFields: readonly string[];
}

/** The kinds of credential consumers know how to hold. */
export type CredentialType = 'aws-access-key' | 'api-token' | 'auth-key';

/** What a source's credential is, so a consumer can tell whether and how it holds one, without knowing the source. */
export interface CredentialForm {
  readonly type: CredentialType;
  /** for messages: "an AWS access key" */
  readonly holding: string;
  /** the fields of its secret: each is sealed in history and redacted from logs */
  readonly secretFields: readonly string[];
  /** its JSON form, for consumers that store JSON (the names its users' SDKs take); absent when it has none */
  readonly json?: { readonly idField: string; readonly secretField: string };
  /** what its secret looks like, so log text that quotes one loses it (a `g` regular expression); none if it has no shape */
  readonly secretShape?: RegExp;
}

type KindSchema<K extends string> = z.ZodObject<{ kind: z.ZodLiteral<K> } & z.ZodRawShape>;

/** Where a credential is minted and retired. */
export interface SourceDescriptor<K extends string = string, T extends KindSchema<K> = KindSchema<K>, P extends string = string> {
  readonly kind: K;
  /** its key in the registry's PROVIDERS (also `CredentialProvider` in the UI) */
  readonly provider: P;
  readonly schema: () => T;
  /** the workflow id: one live rotation per credential */
  readonly rotationId: (spec: z.infer<T>) => string;
  /** the credential's owner as named before preflight reads the real one (an ARN, a token name); never a secret */
  readonly subject: (spec: z.infer<T>) => string;
  readonly defaultRecoveryWindowDays: number;
  readonly credential: CredentialForm;
  /** how `status` describes the old credential once retired at `at` (e.g. "deactivated …") */
  readonly retiredNote: (at: string) => string;
  /** whether retiring leaves the old credential Active for a window of this many days (it cannot be, or must not be, disabled) */
  readonly retiredStaysActive: (recoveryWindowDays: number) => boolean;
  /** where the provider reports each credential's last use (e.g. `iam:GetAccessKeyLastUsed`); absent when it does not */
  readonly lastUse?: string;
}

/** Where a credential is stored for the software that uses it. */
export interface ConsumerDescriptor<K extends string = string, T extends KindSchema<K> = KindSchema<K>, P extends string = string> {
  readonly kind: K;
  readonly provider: P;
  readonly schema: () => T;
  /** how operators name it: `<prefix>:<id>` */
  readonly label: (spec: z.infer<T>) => string;
  /** how it takes a new credential, as `status` shows it */
  readonly mode: (spec: z.infer<T>) => string;
  /** where the consumer's software reads its credential today */
  readonly home: (spec: z.infer<T>) => string;
  /** what `status` calls the place it holds a credential in: "set", "secret", "file" */
  readonly place: string;
  /** the kinds of credential it can hold ('json': any that has a JSON form) */
  readonly holds: readonly (CredentialType | 'json')[];
  /** where the provider reports when the consumer last used what it holds (a SORACOM set's lastUsedDateTime); absent when it does not */
  readonly lastUse?: string;
  /** how a person reads what it holds, when it can be the place a credential is handed over to a person (`manual:`); absent when it cannot */
  readonly handOver?: string;
  /** its `--consumer` syntax */
  readonly cli: {
    readonly prefix: string;
    readonly syntax: string;
    /** the spec's fields from what follows `<prefix>:`, or undefined when that is not this consumer's syntax */
    readonly parse: (rest: string) => Record<string, unknown> | undefined;
    /** added to a validation error, e.g. which modes exist */
    readonly hint?: string;
    /** what `--help` says it does, after its syntax */
    readonly help: string;
  };
}

/**
 * A person or team who takes a credential by hand (`manual:NAME@<place>`): the name is also the notification target
 * (defined on the workers) that tells them the credential is ready and reminds them until they confirm.
 */
export const personName = () => z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a person or team is named with 1–64 letters, digits and ._- (the name of their notification target)');

/** Identity functions that let TypeScript tie each descriptor's functions to its own schema. */
export const defineSource = <K extends string, T extends KindSchema<K>, P extends string>(d: SourceDescriptor<K, T, P>) => d;
export const defineConsumer = <K extends string, T extends KindSchema<K>, P extends string>(d: ConsumerDescriptor<K, T, P>) => d;
