import { credentialFormOf, SOURCES, type SourceSpec } from '../rotation/registry';
import { rejectRequest } from './failures';
import type { NewCredential } from './source';

/**
 * A credential as a JSON object, for consumers that store JSON (secrets, files): the field names software already hands
 * to its SDK, as each source's descriptor declares them (`credential.json`).
 */
export interface JsonShape {
  /** the field holding the public id, which tells what the value holds */
  idField: string;
  secretField: string;
  /** what the source calls its credential, for messages */
  holding: string;
}

const FORMS = Object.values(SOURCES).map((s) => s.credential);
/** Every id field a JSON value may hold, so a reading can tell what it holds without knowing the source. */
const ID_FIELDS: readonly string[] = FORMS.flatMap((f) => (f.json ? [f.json.idField] : []));
/** `{"accessKeyId","secretAccessKey"} or {"authKeyId","authKey"}`: every JSON form, for messages. */
const JSON_FORMS = FORMS.flatMap((f) => (f.json ? [`{"${f.json.idField}","${f.json.secretField}"}`] : [])).join(' or ');
/** What a JSON consumer can hold ("an AWS access key or …"), for messages. */
export const JSON_HOLDINGS = FORMS.flatMap((f) => (f.json ? [f.holding] : [])).join(' or ');

/** The JSON shape a source's credential takes, or undefined when JSON consumers cannot hold it (a bare token). */
export function jsonShapeOf(source: SourceSpec): JsonShape | undefined {
  const form = credentialFormOf(source);
  return form.json === undefined ? undefined : { ...form.json, holding: form.holding };
}

/** The `{idField, secretField}` pair to write; refuses a source whose credential has no JSON shape, or a credential lacking its secret. */
export function credentialFields(source: SourceSpec, credential: NewCredential, consumerLabel: string): Record<string, string> {
  const shape = jsonShapeOf(source);
  const secret = shape === undefined ? undefined : credential.secret[shape.secretField];
  if (shape === undefined || secret === undefined || secret === '') {
    throw rejectRequest('IncompatibleConsumer', `${consumerLabel} holds credentials as JSON ${JSON_FORMS}; a ${source.kind} credential cannot be written there`);
  }
  return { [shape.idField]: credential.id, [shape.secretField]: secret };
}

/** A JSON object, or null for anything else (text, arrays, invalid JSON). */
export function parseJsonObject(text: string | null | undefined): Record<string, unknown> | null {
  if (typeof text !== 'string') return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The public id a JSON value holds: the one id field it has (null if none, or more than one). */
export function holdsOf(value: Record<string, unknown> | null): string | null {
  if (value === null) return null;
  const ids = ID_FIELDS.map((f) => value[f]).filter((v): v is string => typeof v === 'string');
  return ids.length === 1 ? ids[0]! : null;
}

/**
 * Why a consumer's current JSON value cannot take this source's credential (a phrase following the value's name), or
 * undefined when it can: it must hold
 * the source's id field and no other source's, so software reading it gets the shape it expects.
 */
export function shapeMismatch(source: SourceSpec, value: Record<string, unknown> | null): string | undefined {
  const shape = jsonShapeOf(source);
  if (shape === undefined) return `cannot hold a ${source.kind} credential, which has no JSON form`;
  const others = value === null ? [] : ID_FIELDS.filter((f) => f !== shape.idField && f in value);
  if (value === null || typeof value[shape.idField] !== 'string' || others.length > 0) {
    return `is not a JSON object with "${shape.idField}"${others.length > 0 ? ` (it has "${others.join('", "')}": it holds another kind of credential)` : ''}; the rotator writes {"${shape.idField}","${shape.secretField}"} for ${shape.holding}`;
  }
  return undefined;
}
