import { describeReference, Group, referencesTo, repointedEntry } from '../../src/providers/soracom/groups';

/** Group configurations in the shapes public SORACOM material shows them (provider-facts §1.4). */
const beamEntry = (credentialsId: string) => ({
  name: 'AWS IoT',
  destination: 'mqtts://example.iot.ap-northeast-1.amazonaws.com:8883',
  enabled: true,
  useClientCert: true,
  clientCerts: { default: { $credentialsId: credentialsId } },
});

const group = Group.parse({
  groupId: 'g-1',
  operatorId: 'OP0012345678',
  tags: { name: 'field-sims' },
  createdTime: 1,
  configuration: {
    // Funnel: a plain string at the namespace's top (spec FunnelConfiguration.credentialsId)
    SoracomFunnel: { enabled: true, credentialsId: 'funnel-aws', destination: { provider: 'aws', service: 'kinesis', resourceUrl: 'https://kinesis…' } },
    // Funk: {"$credentialsId": …} under credentialsId
    SoracomFunk: { enabled: true, credentialsId: { $credentialsId: 'funnel-aws' }, contentType: 'json' },
    // Beam: entries keyed by entry point, the id nested in each
    SoracomBeam: { 'mqtt://beam.soracom.io:1883': beamEntry('funnel-aws'), 'tcp://beam.soracom.io:8023': beamEntry('other-set') },
    SoracomHarvest: { enabled: true },
    SoracomAir: { metadata: { enabled: true } },
  },
});

describe('group configurations that name a credentials set', () => {
  it('finds the id wherever a credentialsId property holds it, and nothing else', () => {
    expect(referencesTo(group, 'funnel-aws').map((r) => [r.namespace, r.key, r.at, r.fixedBecause])).toEqual([
      ['SoracomFunnel', 'credentialsId', 'SoracomFunnel.credentialsId', undefined],
      ['SoracomFunk', 'credentialsId', 'SoracomFunk.credentialsId.$credentialsId', undefined],
      ['SoracomBeam', 'mqtt://beam.soracom.io:1883', 'SoracomBeam["mqtt://beam.soracom.io:1883"].clientCerts.default.$credentialsId', undefined],
    ]);
    expect(referencesTo(group, 'funnel')).toEqual([]);
    expect(describeReference(referencesTo(group, 'other-set')[0]!)).toBe(`group 'field-sims' (g-1) at SoracomBeam["tcp://beam.soracom.io:8023"].clientCerts.default.$credentialsId`);
  });

  it('rewrites only the ids of the set, keeping every other field of the key', () => {
    expect(repointedEntry(group, 'SoracomFunnel', 'credentialsId', 'funnel-aws', 'funnel-aws-20260101')).toEqual({ key: 'credentialsId', value: 'funnel-aws-20260101' });
    expect(repointedEntry(group, 'SoracomFunk', 'credentialsId', 'funnel-aws', 'funnel-aws-20260101')).toEqual({ key: 'credentialsId', value: { $credentialsId: 'funnel-aws-20260101' } });
    expect(repointedEntry(group, 'SoracomBeam', 'mqtt://beam.soracom.io:1883', 'funnel-aws', 'funnel-aws-20260101')).toEqual({
      key: 'mqtt://beam.soracom.io:1883',
      value: beamEntry('funnel-aws-20260101'),
    });
  });

  it('marks what the rotator cannot rewrite: a per-SIM placeholder that may expand to the set, a namespace the API does not write', () => {
    const templated = Group.parse({
      groupId: 'g-2',
      configuration: { SoracomBeam: { 'mqtt://beam.soracom.io:1883': beamEntry('awsiot-#{imsi}') }, SoracomJunction: { report: { credentialsId: 'awsiot-440101234567890' } } },
    });
    const refs = referencesTo(templated, 'awsiot-440101234567890');
    expect(refs.map((r) => [r.namespace, r.fixedBecause])).toEqual([
      ['SoracomBeam', expect.stringContaining("'awsiot-#{imsi}' is a placeholder")],
      ['SoracomJunction', expect.stringContaining('not one putConfigurationParameters writes')],
    ]);
    expect(referencesTo(templated, 'funnel-aws')).toEqual([]);
  });

  it('reads groups tolerantly: no tags, null configuration, unknown fields', () => {
    expect(referencesTo(Group.parse({ groupId: 'g-3', configuration: null, tags: null, somethingNew: 1 }), 'funnel-aws')).toEqual([]);
    expect(referencesTo(Group.parse({ groupId: 'g-4', configuration: { SoracomFunnel: 'not an object', SoracomFunk: { credentialsId: 42 } } }), 'funnel-aws')).toEqual([]);
    expect(Group.safeParse({ configuration: {} }).success).toBe(false);
  });
});
