import { z } from 'zod';

/**
 * SORACOM groups, as far as the rotator reads them: software (Funnel, Funk, Beam, …) reaches a credentials set through a
 * group configuration entry that names the set, so a set can only be replaced once no group names it.
 *
 * Wire shapes (spec `Group`, `GroupConfiguration`, `GroupConfigurationUpdateRequest`, provider-facts §1.4): a group's
 * `configuration` maps a namespace (`SoracomFunnel`, `SoracomBeam`, …) to an object of keys; `PUT
 * /groups/{id}/configuration/{namespace}` sets whole keys of one namespace to new values, `[{key, value}]`.
 */

export const Group = z.object({
  groupId: z.string().min(1),
  // a tolerant reader: only what the rotator uses, each optional, nulls allowed
  tags: z.record(z.string(), z.unknown()).nullish(),
  configuration: z.record(z.string(), z.unknown()).nullish(),
});
export type Group = z.infer<typeof Group>;

export interface GroupConfigurationEntry {
  readonly key: string;
  readonly value: unknown;
}

/** The namespaces `putConfigurationParameters` accepts (its path enum in the spec): the only ones the rotator can rewrite. */
export const WRITABLE_NAMESPACES: ReadonlySet<string> = new Set([
  'SoracomAir',
  'SoracomBeam',
  'SoracomEndorse',
  'SoracomFlux',
  'SoracomFunk',
  'SoracomFunnel',
  'SoracomHarvest',
  'SoracomHarvestFiles',
  'SoracomKrypton',
  'SoracomOrbit',
  'UnifiedEndpoint',
]);

/**
 * A property that names a credentials set: `credentialsId` (Funnel, Funk: `FunnelConfiguration.credentialsId` in the
 * spec), `$credentialsId` (Beam's client certificates and signing keys, provider-facts §1.4) and the `…CredentialsId`
 * fields of the same convention.
 */
const NAMES_A_SET = /credentialsid$/i;
/** Beam expands placeholders such as `#{imsi}` in a credentials id per SIM (provider-facts §1.4). */
const PLACEHOLDER = /#\{[^}]*\}/;

/** One place in one group's configuration that names a credentials set. */
export interface GroupReference {
  readonly groupId: string;
  /** the group's `name` tag, if it has one */
  readonly groupName?: string;
  readonly namespace: string;
  /** the namespace's key holding it: what a PUT of the namespace replaces */
  readonly key: string;
  /** where the id sits, for messages: `SoracomFunnel.credentialsId`, `SoracomBeam["mqtt://…"].clientCerts.default.$credentialsId` */
  readonly at: string;
  /** why the rotator cannot rewrite it; absent when it can */
  readonly fixedBecause?: string;
}

/** Every place in the group's configuration that names `credentialsId`, or may name it through a placeholder. */
export function referencesTo(group: Group, credentialsId: string): GroupReference[] {
  const found: GroupReference[] = [];
  const groupName = typeof group.tags?.name === 'string' && group.tags.name !== '' ? group.tags.name : undefined;
  for (const [namespace, config] of Object.entries(group.configuration ?? {})) {
    if (!isObject(config)) continue;
    const writable = WRITABLE_NAMESPACES.has(namespace);
    for (const [key, value] of Object.entries(config)) {
      walk(key, value, `${namespace}${segment(key)}`, (at, named) => {
        const exact = named === credentialsId;
        if (!exact && !placeholderMayName(named, credentialsId)) return;
        const fixedBecause = !exact
          ? `'${named}' is a placeholder that may expand to '${credentialsId}', and no single new id can replace it`
          : writable
            ? undefined
            : `the namespace ${namespace} is not one putConfigurationParameters writes`;
        found.push({ groupId: group.groupId, ...(groupName === undefined ? {} : { groupName }), namespace, key, at, ...(fixedBecause === undefined ? {} : { fixedBecause }) });
      });
    }
  }
  return found;
}

/** The value of one namespace key with every property naming `from` naming `to` instead; the rest unchanged. */
export function repointedEntry(group: Group, namespace: string, key: string, from: string, to: string): GroupConfigurationEntry {
  const config = group.configuration?.[namespace];
  const value = isObject(config) ? config[key] : undefined;
  return { key, value: replaced(key, value, from, to) };
}

/** `group 'funnel-sims' (id) at SoracomFunnel.credentialsId`, for messages. */
export function describeReference(ref: GroupReference): string {
  return `group ${ref.groupName === undefined ? ref.groupId : `'${ref.groupName}' (${ref.groupId})`} at ${ref.at}`;
}

function walk(name: string, value: unknown, at: string, visit: (at: string, named: string) => void): void {
  if (typeof value === 'string') {
    if (NAMES_A_SET.test(name)) visit(at, value);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(name, item, `${at}[${i}]`, visit));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) walk(k, v, `${at}${segment(k)}`, visit);
  }
}

function replaced(name: string, value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return NAMES_A_SET.test(name) && value === from ? to : value;
  if (Array.isArray(value)) return value.map((item) => replaced(name, item, from, to));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaced(k, v, from, to)]));
  return value;
}

function placeholderMayName(template: string, credentialsId: string): boolean {
  if (!PLACEHOLDER.test(template)) return false;
  const pattern = template
    .split(PLACEHOLDER)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+');
  return new RegExp(`^${pattern}$`).test(credentialsId);
}

function segment(key: string): string {
  return /^[$A-Za-z_][$\w]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
