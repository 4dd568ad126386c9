/**
 * The provider registry: every provider, source and consumer the rotator knows, each defined once in its own folder
 * (`src/providers/<name>/descriptor.ts`). Everything that differs by provider reads these maps; the functions below are
 * the only place that looks a spec's kind up. Workflow-safe: no I/O, no Node built-ins.
 */
import type { z } from 'zod';
import type { ConsumerDescriptor, CredentialForm, ProviderDescriptor, SourceDescriptor } from './descriptors';
import { awsIamAccessKey, awsIamProvider } from '../providers/aws-iam/descriptor';
import { csmsProvider, csmsSecret } from '../providers/csms/descriptor';
import { fileConsumer, fileProvider } from '../providers/file/descriptor';
import { soracomAuthKey, soracomCredentialsSet, soracomProvider } from '../providers/soracom/descriptor';
import { wallarmApiToken, wallarmProvider } from '../providers/wallarm/descriptor';

export const PROVIDERS = {
  'aws-iam': awsIamProvider,
  soracom: soracomProvider,
  csms: csmsProvider,
  wallarm: wallarmProvider,
  file: fileProvider,
} as const satisfies Record<string, ProviderDescriptor>;

export type ProviderName = keyof typeof PROVIDERS;

/** Each entry filed under its own kind and naming a provider that exists: a slip is a compile error here. */
const byKind = <M extends { [K in keyof M]: { kind: K; provider: ProviderName } }>(map: M): M => map;

export const SOURCES = byKind({
  'aws-iam-access-key': awsIamAccessKey,
  'wallarm-api-token': wallarmApiToken,
  'soracom-auth-key': soracomAuthKey,
});

export const CONSUMERS = byKind({
  'soracom-credentials-set': soracomCredentialsSet,
  'csms-secret': csmsSecret,
  file: fileConsumer,
});

export type SourceKind = keyof typeof SOURCES;
export type ConsumerKind = keyof typeof CONSUMERS;
export type ProviderQueue = (typeof PROVIDERS)[ProviderName]['queue'];

type SourceSchemas = { [K in SourceKind]: ReturnType<(typeof SOURCES)[K]['schema']> };
type ConsumerSchemas = { [K in ConsumerKind]: ReturnType<(typeof CONSUMERS)[K]['schema']> };
export type SourceSchema = SourceSchemas[SourceKind];
export type ConsumerSchema = ConsumerSchemas[ConsumerKind];
export type SourceSpec = z.infer<SourceSchema>;
export type ConsumerSpec = z.infer<ConsumerSchema>;

/** A descriptor seen through the spec it is called with (TypeScript cannot correlate a union's kind with its map entry). */
const sourceOf = (source: SourceSpec) => SOURCES[source.kind] as unknown as SourceDescriptor<string, z.ZodObject<{ kind: z.ZodLiteral<string> }>> & { provider: ProviderName };
const consumerOf = (consumer: ConsumerSpec) => CONSUMERS[consumer.kind] as unknown as ConsumerDescriptor<string, z.ZodObject<{ kind: z.ZodLiteral<string> }>> & { provider: ProviderName };

/** The provider name shown in the UI (`CredentialProvider`) and used to route activities to a task queue. */
export const sourceProvider = (source: SourceSpec): ProviderName => sourceOf(source).provider;
/** The one live rotation per credential: the workflow id is derived from the credential itself. */
export const rotationIdFor = (source: SourceSpec): string => sourceOf(source).rotationId(source);
/** Human name of the credential being rotated (`CredentialSubject`): an ARN, never a secret. */
export const subjectOf = (source: SourceSpec): string => sourceOf(source).subject(source);
export const credentialFormOf = (source: SourceSpec): CredentialForm => sourceOf(source).credential;
/** Whether the old credential stays Active through a window of this many days once retired. */
export const retiredStaysActive = (source: SourceSpec, recoveryWindowDays: number): boolean => sourceOf(source).retiredStaysActive(recoveryWindowDays);
export const defaultRecoveryWindowOf = (kind: SourceKind): number => SOURCES[kind].defaultRecoveryWindowDays;
export const sourceTaskQueue = (source: SourceSpec): ProviderQueue => PROVIDERS[sourceProvider(source)].queue;

/** A manual consumer's person or team (`manual:NAME@<place>`), or undefined for software reading the place itself. */
export const consumerPerson = (consumer: ConsumerSpec): string | undefined => (consumer as { person?: string }).person;
/** Where a consumer's credential is stored, as operators name it (`csms:<secret>`): for a manual consumer, its hand-over place. */
export const consumerPlaceLabel = (consumer: ConsumerSpec): string => consumerOf(consumer).label(consumer);
/** How operators name a consumer: `manual:NAME` for a person or team, else its place (`soracom:<id>`, `csms:<secret>`). */
export const consumerLabel = (consumer: ConsumerSpec): string => {
  const person = consumerPerson(consumer);
  return person === undefined ? consumerPlaceLabel(consumer) : `manual:${person}`;
};
/** How a consumer takes a new credential (`update`/`versioned` sets, a new secret version, a file replaced whole, a hand-over). */
export const consumerMode = (consumer: ConsumerSpec): string => (consumerPerson(consumer) === undefined ? consumerOf(consumer).mode(consumer) : 'hand-over');
/** Whether the consumer's provider says when it last used what it holds (a manual consumer's place does not tell its person's use). */
export const consumerReportsUse = (consumer: ConsumerSpec): boolean => consumerPerson(consumer) === undefined && consumerOf(consumer).lastUse !== undefined;
/** Whether the source's provider reports each credential's last use. */
export const sourceReportsUse = (source: SourceSpec): boolean => sourceOf(source).lastUse !== undefined;
/** Where the consumer's software reads its credential today: the set id, the secret name, the path. */
export const consumerHome = (consumer: ConsumerSpec): string => consumerOf(consumer).home(consumer);
export const consumerTaskQueue = (consumer: ConsumerSpec): ProviderQueue => PROVIDERS[consumerOf(consumer).provider].queue;

/** The consumers that can hold a source's credential, in registry order. */
export function consumersHolding(kind: SourceKind): ConsumerDescriptor[] {
  const form: CredentialForm = SOURCES[kind].credential;
  return Object.values(CONSUMERS).filter((c: ConsumerDescriptor) => c.holds.includes(form.type) || (form.json !== undefined && c.holds.includes('json')));
}

/** `--consumer` help for a source: each consumer that can hold its credential, with what it does. */
export const consumerSyntaxHelp = (kind: SourceKind): string =>
  [...consumersHolding(kind).map((c) => `${c.cli.syntax} ${c.cli.help}`), manualConsumerHelp(kind)].filter((h) => h !== undefined).join(', or ');

/** `--consumer manual:…` help: the places a credential can be handed over in. */
export const manualConsumerHelp = (kind: SourceKind): string | undefined => {
  const places = consumersHolding(kind).filter((c) => c.handOver !== undefined);
  if (places.length === 0) return undefined;
  return `manual:<name>@<${places.map((c) => c.cli.syntax).join(' | ')}> (a person or team: the credential is put there, <name> — a notification target — is told, and the old one waits for 'rotator confirm')`;
};

/** Every provider's queue, in registry order. */
export const PROVIDER_QUEUES: readonly ProviderQueue[] = Object.values(PROVIDERS).map((p) => p.queue);
