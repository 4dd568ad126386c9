import { ProviderError } from '../../src/providers/errors';
import { operatorId, rotator, useSoracomSandbox } from './soracom-sandbox';

const funnel = (credentialsId: string) => ({
  enabled: true,
  destination: { provider: 'aws', service: 'kinesis', resourceUrl: 'https://kinesis.ap-northeast-1.amazonaws.com/stream' },
  credentialsId,
  contentType: 'json',
});

/** The sandbox's groups over raw HTTP, as the spec defines them, and the client's two group calls against it. */
describe('SORACOM groups', () => {
  const startSandbox = useSoracomSandbox();

  async function session(endpoint: string) {
    const res = await fetch(`${endpoint}/auth`, { method: 'POST', body: JSON.stringify({ authKeyId: rotator.authKeyId, authKey: rotator.authKey }), headers: { 'Content-Type': 'application/json' } });
    const pair = (await res.json()) as { apiKey: string; token: string };
    return async (method: string, path: string, body?: unknown) => {
      const answer = await fetch(`${endpoint}${path}`, {
        method,
        headers: { 'X-Soracom-API-Key': pair.apiKey, 'X-Soracom-Token': pair.token, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await answer.text();
      return { status: answer.status, next: answer.headers.get('x-soracom-next-key'), body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
    };
  }

  it('creates, reads, configures, lists by tag and deletes groups', async () => {
    const { sandbox } = await startSandbox();
    const api = await session(sandbox.endpoint);

    const created = await api('POST', '/groups', { tags: { name: 'funnel-sims' }, configuration: { SoracomHarvest: { enabled: true } } });
    expect(created.status).toBe(201);
    const groupId = String(created.body!.groupId);
    expect(created.body).toMatchObject({ groupId: expect.any(String), operatorId, tags: { name: 'funnel-sims' }, configuration: { SoracomHarvest: { enabled: true } }, createdTime: expect.any(Number) });

    // a PUT sets whole keys of one namespace; the other keys and namespaces stay
    const put = await api('PUT', `/groups/${groupId}/configuration/SoracomFunnel`, [
      { key: 'enabled', value: true },
      { key: 'credentialsId', value: 'funnel-aws' },
    ]);
    expect([put.status, put.body?.configuration]).toEqual([200, { SoracomHarvest: { enabled: true }, SoracomFunnel: { enabled: true, credentialsId: 'funnel-aws' } }]);
    await api('PUT', `/groups/${groupId}/configuration/SoracomFunnel`, [{ key: 'credentialsId', value: 'funnel-aws-20260101' }]);
    expect((await api('GET', `/groups/${groupId}`)).body?.configuration).toEqual({ SoracomHarvest: { enabled: true }, SoracomFunnel: { enabled: true, credentialsId: 'funnel-aws-20260101' } });

    // the spec's refusals: an unknown namespace, a missing value, an unknown group, a namespace the group lacks
    expect((await api('PUT', `/groups/${groupId}/configuration/SoracomNothing`, [{ key: 'k', value: 1 }])).status).toBe(400);
    expect((await api('PUT', `/groups/${groupId}/configuration/SoracomFunnel`, [{ key: 'enabled' }])).status).toBe(400);
    expect((await api('PUT', '/groups/no-such-group/configuration/SoracomFunnel', [{ key: 'enabled', value: false }])).status).toBe(404);
    expect((await api('DELETE', `/groups/${groupId}/configuration/SoracomBeam`)).status).toBe(400);

    expect((await api('DELETE', `/groups/${groupId}/configuration/SoracomFunnel/${encodeURIComponent('enabled')}`)).status).toBe(204);
    expect((await api('DELETE', `/groups/${groupId}/configuration/SoracomHarvest`)).status).toBe(204);
    expect(sandbox.groupsOf(operatorId)[0]?.configuration).toEqual({ SoracomFunnel: { credentialsId: 'funnel-aws-20260101' } });

    sandbox.addGroup(operatorId, { name: 'beam-sims' });
    expect(((await api('GET', '/groups?tag_name=name&tag_value=beam')).body as unknown as unknown[]).length).toBe(0);
    expect(((await api('GET', '/groups?tag_name=name&tag_value=beam&tag_value_match_mode=prefix')).body as unknown as { tags: object }[]).map((g) => g.tags)).toEqual([{ name: 'beam-sims' }]);
    expect((await api('GET', '/groups?tag_name=name')).status).toBe(400);

    expect((await api('DELETE', `/groups/${groupId}`)).status).toBe(204);
    expect((await api('GET', `/groups/${groupId}`)).status).toBe(404);
    expect((await api('DELETE', `/groups/${groupId}`)).status).toBe(404);
  });

  it('pages listGroups with limit, last_evaluated_key and x-soracom-next-key', async () => {
    const { sandbox } = await startSandbox();
    const api = await session(sandbox.endpoint);
    for (const name of ['a', 'b', 'c']) sandbox.addGroup(operatorId, { name });
    const first = await api('GET', '/groups?limit=2');
    expect([(first.body as unknown as unknown[]).length, first.next]).toEqual([2, expect.any(String)]);
    const second = await api('GET', `/groups?limit=2&last_evaluated_key=${encodeURIComponent(first.next!)}`);
    expect([(second.body as unknown as unknown[]).length, second.next]).toEqual([1, null]);
  });

  it('the client lists every page, and repoints one key of a namespace', async () => {
    const { sandbox, client } = await startSandbox({ groupsPerPage: 2 });
    const soracom = client();
    const ids = ['one', 'two', 'three', 'four', 'five'].map((name) => sandbox.addGroup(operatorId, { name, configuration: { SoracomFunnel: funnel('funnel-aws') } }));
    const groups = await soracom.listGroups();
    expect(groups.map((g) => g.groupId).sort()).toEqual([...ids].sort());
    expect(sandbox.exchanges().filter((e) => e.path === '/groups')).toHaveLength(3);

    const updated = await soracom.putGroupConfiguration(ids[0]!, 'SoracomFunnel', [{ key: 'credentialsId', value: 'funnel-aws-20260101' }]);
    expect(updated?.configuration).toEqual({ SoracomFunnel: funnel('funnel-aws-20260101') });
    expect(sandbox.groupsOf(operatorId).find((g) => g.groupId === ids[1])?.configuration).toEqual({ SoracomFunnel: funnel('funnel-aws') });
    await expect(soracom.putGroupConfiguration('gone', 'SoracomFunnel', [{ key: 'credentialsId', value: 'x' }])).resolves.toBeNull();
  });

  it('the client names the SAM permission when groups are denied', async () => {
    const { client } = await startSandbox({ denies: (method, path) => method === 'GET' && path === '/groups' });
    const err: unknown = await client().listGroups().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ type: 'SoracomPermissionDenied', httpStatus: 403, message: expect.stringContaining('Group:listGroups') });
  });
});
