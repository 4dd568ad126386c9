import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { keyRingFromEnv, parseKeyRing } from '../../src/codec/key-ring';

const key = () => randomBytes(32).toString('base64');
const secret = { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

describe('payload encryption codec', () => {
  it('encrypts (no plaintext left, key id in metadata) and decodes back', async () => {
    const codec = new EncryptionCodec(parseKeyRing(`k1:${key()}`));
    const payload = defaultPayloadConverter.toPayload(secret);
    const [encoded] = await codec.encode([payload]);
    expect(Buffer.from(encoded!.data!).toString('latin1')).not.toContain('wJalrXUtnFEMI');
    expect(Buffer.from(encoded!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    // the encoding Temporal's codec server and UI recognise as this codec's
    expect(Buffer.from(encoded!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Object.keys(encoded!.metadata!).sort()).toEqual(['encoding', 'encryption-key-id']);
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(secret);
  });

  it('uses a fresh IV per payload', async () => {
    const codec = new EncryptionCodec(parseKeyRing(`k1:${key()}`));
    const payload = defaultPayloadConverter.toPayload(secret);
    const [a, b] = await codec.encode([payload, payload]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('rotates keys: payloads written under the old primary still decode; a removed key fails with a clear message', async () => {
    const oldKey = key();
    const written = await new EncryptionCodec(parseKeyRing(`old:${oldKey}`)).encode([defaultPayloadConverter.toPayload(secret)]);
    const rotated = new EncryptionCodec(parseKeyRing(`new:${key()},old:${oldKey}`));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode(written))[0]!)).toEqual(secret);
    expect(Buffer.from((await rotated.encode([defaultPayloadConverter.toPayload(1)]))[0]!.metadata!['encryption-key-id']!).toString()).toBe('new');
    await expect(new EncryptionCodec(parseKeyRing(`new:${key()}`)).decode(written)).rejects.toThrow(/codec key 'old'.*not in the key ring/);
  });

  it('rejects a tampered payload', async () => {
    const codec = new EncryptionCodec(parseKeyRing(`k1:${key()}`));
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(secret)]);
    const data = Buffer.from(encoded!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow();
  });

  it('a payload of another encoding passes decode untouched, even one carrying a key id', async () => {
    const codec = new EncryptionCodec(parseKeyRing(`k1:${key()}`));
    const other = { metadata: { encoding: Buffer.from('binary/other'), 'encryption-key-id': Buffer.from('k1') }, data: Buffer.from('opaque') };
    expect(await codec.decode([other])).toEqual([other]);
    await expect(codec.decode([{ metadata: { encoding: Buffer.from('binary/encrypted') }, data: Buffer.alloc(40) }])).rejects.toThrow(
      "payload encrypted with codec key '', which is not in the key ring; add it back to ROTATOR_CODEC_KEYS",
    );
  });

  it('passes unencrypted payloads through decode', async () => {
    const payload = defaultPayloadConverter.toPayload('plain');
    expect(await new EncryptionCodec(parseKeyRing(`k1:${key()}`)).decode([payload])).toEqual([payload]);
  });

  it('refuses to run without a key, or with a key of the wrong size, saying how to make one', () => {
    expect(() => keyRingFromEnv({})).toThrow(/no payload encryption key.*openssl rand -base64 32/);
    expect(() => parseKeyRing(`k1:${Buffer.alloc(16).toString('base64')}`)).toThrow(/must be 32 bytes/);
    expect(() => parseKeyRing('nokey')).toThrow(/'<keyId>:<base64 key>'/);
  });
});
