/**
 * Verification of Huawei Cloud's `SDK-HMAC-SHA256` AK/SK signature, written from Huawei's signing guide and the
 * Python SDK's `signer.py` (provider-facts §2.3) — deliberately not from the Node SDK the client signs with, so the two
 * implementations check each other.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'SDK-HMAC-SHA256';

/** A request as it arrived: raw path and query, headers as node gives them (lower-case names), raw body. */
export interface ReceivedRequest {
  readonly method: string;
  /** e.g. `/v1/p/secrets/x/versions?limit=5` */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface ParsedAuthorization {
  readonly accessKey: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>`; undefined when it is not that form. */
export function parseAuthorization(value: string | undefined): ParsedAuthorization | undefined {
  const match = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(value?.trim() ?? '');
  if (match === null) return undefined;
  return { accessKey: match[1]!, signedHeaders: match[2]!.split(';'), signature: match[3]! };
}

/** RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - _ . ~` (Python's `quote(s, safe='~')`). */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Each path segment decoded, then encoded, and a trailing `/` always appended. */
export function canonicalUri(path: string): string {
  const encoded = path
    .split('/')
    .map((segment) => uriEncode(safeDecode(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** Keys sorted, keys and values encoded, repeated keys' values sorted. */
export function canonicalQuery(query: string): string {
  const params = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(query)) params.set(key, [...(params.get(key) ?? []), value]);
  return [...params.keys()]
    .sort()
    .flatMap((key) => [...params.get(key)!].sort().map((value) => `${uriEncode(key)}=${uriEncode(value)}`))
    .join('&');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The six lines: method, URI, query, `name:trimmed-value\n` per signed header, signed header list, payload hash. */
export function canonicalRequest(request: ReceivedRequest, signedHeaders: readonly string[]): string {
  const url = new URL(request.url, 'http://sandbox');
  const headers = signedHeaders.map((name) => `${name}:${headerValue(request.headers, name)?.trim() ?? ''}\n`).join('');
  const payloadHash = headerValue(request.headers, 'x-sdk-content-sha256') ?? sha256Hex(request.body);
  return [request.method.toUpperCase(), canonicalUri(url.pathname), canonicalQuery(url.search), headers, signedHeaders.join(';'), payloadHash].join('\n');
}

export function stringToSign(canonical: string, sdkDate: string): string {
  return `${ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

export function sign(secretKey: string, text: string): string {
  return createHmac('sha256', secretKey).update(text).digest('hex');
}

/** Compares the received signature with the one the secret key gives, in constant time. */
export function signatureMatches(request: ReceivedRequest, auth: ParsedAuthorization, secretKey: string, sdkDate: string): boolean {
  const expected = Buffer.from(sign(secretKey, stringToSign(canonicalRequest(request, auth.signedHeaders), sdkDate)), 'hex');
  const received = Buffer.from(auth.signature, 'hex');
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/** `YYYYMMDDTHHMMSSZ` → epoch ms, or undefined when malformed. */
export function parseSdkDate(value: string | undefined): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(ms) ? undefined : ms;
}

export function formatSdkDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function headerValue(headers: ReceivedRequest['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
