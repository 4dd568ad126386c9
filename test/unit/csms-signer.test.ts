/**
 * SDK-HMAC-SHA256 test vectors. The client signs with Huawei's Node SDK core; the sandbox verifies with its own
 * implementation (sandbox/csms/signature.ts). Both are held to vectors from Huawei's own code:
 * - Huawei's API Gateway signing SDK for Python, its unit tests (test_signer.py, "Copyright Huawei Technologies Co.,
 *   Ltd. 2024-2025"): canonical request, string to sign and HMAC values;
 * - a request signed by `@huaweicloud/huaweicloud-sdk-core` 3.1.211's AKSKSigner with a fixed date, AK and SK.
 */
import { bodyText, sdkDate, signRequest } from '../../src/providers/csms/signer';
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  parseAuthorization,
  sha256Hex,
  sign,
  signatureMatches,
  stringToSign,
  type ReceivedRequest,
} from '../../sandbox/csms/signature';

describe('SDK-HMAC-SHA256, Huawei API Gateway SDK test vectors', () => {
  it('HMAC-SHA256 of "abc" keyed "abc"', () => {
    expect(sign('abc', 'abc')).toBe('2f02e24ae2e1fe880399f27600afa88364e6062bf9bbe114b32fa8f23d03608a');
  });

  it('canonical request of POST /app1?a=1 with x-stage: RELEASE and body "body"', () => {
    const request: ReceivedRequest = { method: 'POST', url: '/app1?a=1', headers: { 'x-stage': 'RELEASE' }, body: Buffer.from('body') };
    expect(canonicalRequest(request, ['x-stage'])).toBe('POST\n/app1/\na=1\nx-stage:RELEASE\n\nx-stage\n230d8358dc8e8890b4c58deeb62912ee2f20357ae92a5cc861b98e68fe31acb5');
  });

  it('string to sign: algorithm, X-Sdk-Date, hex SHA-256 of the canonical request', () => {
    // the vector's canonical request is an indented triple-quoted Python string: kept byte for byte
    const canonical = [
      'POST',
      '            /app1%3Fa%3D1/',
      '            a=1',
      '            host:30030113-3657-4fb6-a7ef-90764239b038.apigw.cn-north-1.huaweicloud.com',
      '            x-sdk-date:20240326T030801Z',
      '            x-stage:RELEASE',
      '            ',
      '            host;x-sdk-date;x-stage',
      '            230d8358dc8e8890b4c58deeb62912ee2f20357ae92a5cc861b98e68fe31acb5',
    ].join('\n');
    expect(stringToSign(canonical, '20240326T030801Z')).toBe('SDK-HMAC-SHA256\n20240326T030801Z\n5847720941657701137ad8098b63585092cea7d982e14b2efd0a668460f2da2a');
  });

  it('an empty body hashes to e3b0c442…b855', () => {
    expect(sha256Hex(Buffer.alloc(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('canonical URI: segments re-encoded, trailing slash always; query: keys sorted, RFC 3986, list values sorted', () => {
    expect(canonicalUri('/v1/p/secrets/a%20b')).toBe('/v1/p/secrets/a%20b/');
    expect(canonicalUri('/v1/')).toBe('/v1/');
    expect(canonicalQuery('?z=1&a=b c&m=2&m=1&k=~*')).toBe('a=b%20c&k=~%2A&m=1&m=2&z=1');
  });
});

describe('a request signed by the official Node SDK, verified independently', () => {
  const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  const body = { secret_string: '{"accessKeyId":"AKIAEXAMPLE","secretAccessKey":"wJalr/EXAMPLE"}' };
  const signed = () =>
    signRequest(
      {
        method: 'POST',
        url: 'https://kms.cn-north-4.myhuaweicloud.com/v1/0a1b2c3d4e5f60718293a4b5c6d7e8f9/secrets/app-aws/versions',
        headers: { 'Content-Type': 'application/json;charset=UTF-8', 'X-Project-Id': '0a1b2c3d4e5f60718293a4b5c6d7e8f9' },
        query: { limit: '5', marker: 'v 1' },
        body,
      },
      { accessKey: 'HPUAEXAMPLEAK0000001', secretKey: 'example-secret-key-do-not-use' },
      at,
    );
  const received = (headers: Record<string, string>, overrides: Partial<ReceivedRequest> = {}): ReceivedRequest => ({
    method: 'POST',
    url: '/v1/0a1b2c3d4e5f60718293a4b5c6d7e8f9/secrets/app-aws/versions?limit=5&marker=v%201',
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(bodyText(body)!),
    ...overrides,
  });

  it('carries X-Sdk-Date, host and the Authorization header in the documented form', () => {
    const headers = signed();
    expect(headers['X-Sdk-Date']).toBe('20260102T030405Z');
    expect(headers.host).toBe('kms.cn-north-4.myhuaweicloud.com');
    // the SDK's output, reproduced by hand with the Python SDK's signer.py steps (hashlib/hmac): an SDK change would show here
    expect(headers.Authorization).toBe(
      'SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=3c7ed87bb3fd75bb1ccbd4c99de7d07c4c154553a22a67ba74ad386075ec1616',
    );
  });

  it('verifies with the sandbox’s own implementation, and fails once anything signed changes', () => {
    const headers = signed();
    const auth = parseAuthorization(headers.Authorization)!;
    const secretKey = 'example-secret-key-do-not-use';
    expect(signatureMatches(received(headers), auth, secretKey, headers['X-Sdk-Date']!)).toBe(true);
    expect(signatureMatches(received(headers), auth, 'another-secret-key', headers['X-Sdk-Date']!)).toBe(false);
    expect(signatureMatches(received(headers, { body: Buffer.from('{"secret_string":"x"}') }), auth, secretKey, headers['X-Sdk-Date']!)).toBe(false);
    expect(signatureMatches(received({ ...headers, host: 'kms.ap-southeast-1.myhuaweicloud.com' }), auth, secretKey, headers['X-Sdk-Date']!)).toBe(false);
    expect(signatureMatches(received(headers, { url: '/v1/0a1b2c3d4e5f60718293a4b5c6d7e8f9/secrets/app-aws/versions?limit=6&marker=v%201' }), auth, secretKey, headers['X-Sdk-Date']!)).toBe(false);
    expect(signatureMatches(received(headers, { method: 'PUT' }), auth, secretKey, headers['X-Sdk-Date']!)).toBe(false);
    expect(signatureMatches(received(headers), auth, secretKey, '20260102T030406Z')).toBe(false);
  });

  it('formats X-Sdk-Date as YYYYMMDDTHHMMSSZ in UTC', () => {
    expect(sdkDate(new Date('2024-03-26T03:08:01.999Z'))).toBe('20240326T030801Z');
  });

  it('rejects Authorization values not of the SDK-HMAC-SHA256 form', () => {
    expect(parseAuthorization('AWS4-HMAC-SHA256 Credential=x')).toBeUndefined();
    expect(parseAuthorization('SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=zz')).toBeUndefined();
  });
});
