/**
 * SORACOM groups as the spec defines them (tag Group: listGroups, createGroup, getGroup, deleteGroup,
 * putConfigurationParameters, deleteConfigurationNamespace, deleteConfigurationParameter): a group's configuration maps
 * a namespace to an object of keys, and a PUT sets whole keys of one namespace. Where the spec is silent the choice is
 * marked here.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { SoracomApiError, soracomErrors } from './errors';
import { parseBody } from './requests';
import type { Reply, Route } from './routes';
import type { Session, SoracomStore } from './store';

export interface GroupRecord {
  readonly groupId: string;
  readonly operatorId: string;
  tags: Record<string, string>;
  configuration: Record<string, Record<string, unknown>>;
  /** milliseconds, as the spec's example */
  readonly createdTime: number;
  lastModifiedTime: number;
}

/** A group as an operator makes it in the console, for tests: `name` becomes the `name` tag. */
export interface GroupSeed {
  readonly name?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly configuration?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** `putConfigurationParameters` path enum; `deleteConfigurationParameter` takes the same less SoracomOrbit. */
const NAMESPACES = [
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
] as const;
const PARAMETER_NAMESPACES: readonly string[] = NAMESPACES.filter((n) => n !== 'SoracomOrbit');

const TagSet = z.record(z.string(), z.string());
const GroupConfiguration = z.record(z.string(), z.record(z.string(), z.unknown()));
const CreateGroupRequest = z.object({ configuration: GroupConfiguration.optional(), tags: TagSet.optional() });
// GroupConfigurationUpdateRequest: `value` is required, of any type
const ConfigurationUpdate = z.array(z.object({ key: z.string().min(1), value: z.unknown() }).refine((entry) => entry.value !== undefined, { message: 'value is required', path: ['value'] }));

export const groupErrors = {
  groupNotFound: (groupId: string) => new SoracomApiError(404, 'GRP0001', `Group '${groupId}' not found`),
  namespaceNotFound: (namespace: string) => new SoracomApiError(400, 'GRP0002', `Namespace '${namespace}' does not exist in this group`),
  unknownNamespace: (namespace: string) => new SoracomApiError(400, 'COM0001', `Invalid namespace '${namespace}'`),
};

/** The operator's groups, by id. */
export type GroupStore = Map<string, GroupRecord>;

export function newGroup(store: SoracomStore, operatorId: string, seed: GroupSeed): GroupRecord {
  const now = store.unixSeconds() * 1000;
  const group: GroupRecord = {
    groupId: randomUUID(),
    operatorId,
    tags: { name: seed.name ?? '', ...seed.tags },
    configuration: structuredClone({ ...seed.configuration }) as GroupRecord['configuration'],
    createdTime: now,
    lastModifiedTime: now,
  };
  store.operator(operatorId).groups.set(group.groupId, group);
  return group;
}

/** The spec's `Group`, with the `createdAt`/`lastModifiedAt` its own example also shows. */
export function groupModel(group: GroupRecord): object {
  const { groupId, operatorId, tags, configuration, createdTime, lastModifiedTime } = group;
  return structuredClone({ groupId, operatorId, tags, configuration, createdTime, lastModifiedTime, createdAt: createdTime, lastModifiedAt: lastModifiedTime });
}

export interface GroupRouteOptions {
  readonly store: SoracomStore;
  /** page size of listGroups without `limit`; SORACOM's own is not published */
  readonly groupsPerPage: number;
}

export function groupRoutes({ store, groupsPerPage }: GroupRouteOptions): Route[] {
  const groupsOf = (session: Session): GroupStore => store.operator(session.operatorId).groups;
  const groupOf = (session: Session, groupId: string): GroupRecord => {
    const group = groupsOf(session).get(groupId);
    if (group === undefined) throw groupErrors.groupNotFound(groupId);
    return group;
  };
  const touched = (group: GroupRecord): Reply => {
    group.lastModifiedTime = store.unixSeconds() * 1000;
    return { status: 200, body: groupModel(group) };
  };

  return [
    {
      method: 'GET',
      template: '/groups',
      public: false,
      handle: (_params, _body, session, query) => {
        const tagName = query.get('tag_name');
        const tagValue = query.get('tag_value');
        const mode = query.get('tag_value_match_mode') ?? 'exact';
        if (tagName !== null && tagValue === null) throw soracomErrors.badRequest('tag_value is required with tag_name');
        if (mode !== 'exact' && mode !== 'prefix') throw soracomErrors.badRequest(`Invalid tag_value_match_mode '${mode}'`);
        const limit = query.has('limit') ? Number(query.get('limit')) : groupsPerPage;
        if (!Number.isInteger(limit) || limit < 1) throw soracomErrors.badRequest('limit must be a positive integer');
        const after = query.get('last_evaluated_key');
        // pages in group id order, each continuing after the last id of the one before (the spec's last_evaluated_key)
        const matching = [...groupsOf(session).values()]
          .filter((g) => tagName === null || (mode === 'exact' ? g.tags[tagName] === tagValue : (g.tags[tagName] ?? '').startsWith(tagValue ?? '')))
          .sort((a, b) => (a.groupId < b.groupId ? -1 : 1))
          .filter((g) => after === null || g.groupId > after);
        const page = matching.slice(0, limit);
        const more = matching.length > page.length;
        return { status: 200, body: page.map(groupModel), ...(more ? { headers: { 'x-soracom-next-key': page[page.length - 1]!.groupId } } : {}) };
      },
    },
    {
      method: 'POST',
      template: '/groups',
      public: false,
      handle: (_params, body, session) => {
        const request = parseBody(CreateGroupRequest, body);
        const group = newGroup(store, session.operatorId, { tags: request.tags ?? {}, configuration: request.configuration ?? {} });
        return { status: 201, body: groupModel(group) };
      },
    },
    {
      method: 'GET',
      template: '/groups/{group_id}',
      public: false,
      handle: ({ group_id: groupId = '' }, _body, session) => ({ status: 200, body: groupModel(groupOf(session, groupId)) }),
    },
    {
      method: 'DELETE',
      template: '/groups/{group_id}',
      public: false,
      handle: ({ group_id: groupId = '' }, _body, session) => {
        if (!groupsOf(session).delete(groupId)) throw groupErrors.groupNotFound(groupId);
        return { status: 204 };
      },
    },
    {
      method: 'PUT',
      template: '/groups/{group_id}/configuration/{namespace}',
      public: false,
      handle: ({ group_id: groupId = '', namespace = '' }, body, session) => {
        if (!(NAMESPACES as readonly string[]).includes(namespace)) throw groupErrors.unknownNamespace(namespace);
        const entries = parseBody(ConfigurationUpdate, body);
        const group = groupOf(session, groupId);
        // "updates a value of the specified key in the namespace": each key's value is replaced whole, the other keys stay
        const config = (group.configuration[namespace] ??= {});
        for (const { key, value } of entries) config[key] = structuredClone(value);
        return touched(group);
      },
    },
    {
      method: 'DELETE',
      template: '/groups/{group_id}/configuration/{namespace}',
      public: false,
      handle: ({ group_id: groupId = '', namespace = '' }, _body, session) => {
        if (!(NAMESPACES as readonly string[]).includes(namespace)) throw groupErrors.unknownNamespace(namespace);
        const group = groupOf(session, groupId);
        if (group.configuration[namespace] === undefined) throw groupErrors.namespaceNotFound(namespace);
        delete group.configuration[namespace];
        touched(group);
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      template: '/groups/{group_id}/configuration/{namespace}/{name}',
      public: false,
      handle: ({ group_id: groupId = '', namespace = '', name = '' }, _body, session) => {
        if (!PARAMETER_NAMESPACES.includes(namespace)) throw groupErrors.unknownNamespace(namespace);
        const group = groupOf(session, groupId);
        // the spec documents no error for a missing parameter: deleting one is taken as done
        delete group.configuration[namespace]?.[name];
        touched(group);
        return { status: 204 };
      },
    },
  ];
}
