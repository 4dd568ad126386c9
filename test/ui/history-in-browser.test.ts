/**
 * Issue 14, as an operator sees it: a real AWS IAM key rotation (moto, a SORACOM set consumer) parked in
 * pending-deletion on a dev server whose Web UI decodes payloads through our codec server, opened in headless
 * Chromium with every event of the history expanded. The page must show the decoded request (the IAM user, the
 * SORACOM set id, which exist in the history only encrypted) and must never show a secret: neither the new key's nor
 * the old key's, in plain text or base64-encoded. Screenshots go to test-output/ui/.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Request } from 'playwright-core';
import { startCodecServer, type CodecServer } from '../../src/codec/codec-server';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { DEMO_CODEC_KEYS, parseKeyRing } from '../../src/codec/key-ring';
import { startRotation } from '../../src/operations';
import { projectRoot } from '../../sandbox/tools';
import { launchChromium, type HeadlessChromium } from '../support/browser';
import { waitForPhase } from '../support/phases';
import { freePort } from '../support/ports';
import { ACCOUNT, OPERATOR, useProviders, withWorkers } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';

const screenshots = path.join(projectRoot, 'test-output', 'ui');
const USER = 'ui-funnel-writer';
// distinctive: it must occur on the page only where the UI decoded a payload
const SET_ID = 'ui-funnel-aws-q7x2';
// wide enough that the details column (the payloads) is not cut off
const VIEWPORT = { width: 1920, height: 1080 };

// Temporal UI 2.54 (the one the pinned CLI serves): the only selectors this test relies on
const ui = {
  eventRow: '[data-testid="event-summary-row"]',
  expandedRow: '[data-testid="event-summary-row-expanded"]',
  collapsedToggle: '[data-testid="event-summary-row"] button[aria-label="Expand details"]',
  codecSucceeded: '[data-testid="data-encoder-status-success"]',
};

/** Every string and byte field (as UTF-8) in an object tree: what a reader of the raw history could see. */
function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).map(textOf).join('\n');
  return String(value);
}

/**
 * What of `secret` could betray it on the page: every 16-character piece of it (a UI may truncate a long value),
 * and its base64 and base64url forms at each of the three byte alignments it can have inside a larger encoded blob
 * (only the characters that depend on the secret's bytes alone).
 */
function tellTales(secret: string): { form: string; needle: string }[] {
  const out: { form: string; needle: string }[] = [];
  for (let i = 0; i + 16 <= secret.length; i++) out.push({ form: 'a 16-character piece', needle: secret.slice(i, i + 16) });
  const bytes = Buffer.from(secret, 'utf8');
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const stable = encoded.slice(shift === 0 ? 0 : 4, Math.floor((shift + bytes.length) / 3) * 4);
    out.push({ form: 'base64', needle: stable }, { form: 'base64url', needle: stable.replace(/\+/g, '-').replace(/\//g, '_') });
  }
  return out;
}

const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1;
/** A secret as it may appear in a test log: its first characters only. */
const masked = (value: string) => `"${value.slice(0, 6)}…" (${value.length} chars)`;

/** The event id of an expanded row, from its element id `event-details-<eventId>-<index>`. */
const eventIdOf = (elementId: string | null) => /^event-details-(\d+)/.exec(elementId ?? '')?.[1] ?? `?${elementId}`;

/** The set's secret access key as the SORACOM sandbox holds it. */
function secretInSet(providers: ReturnType<typeof useProviders>, credentialsId: string): string {
  const set = providers.sandbox.credentialsOf(OPERATOR).find((c) => c.credentialsId === credentialsId);
  const secret = (set?.credentials as { secretAccessKey?: string } | undefined)?.secretAccessKey;
  if (!secret) throw new Error(`SORACOM set ${credentialsId} holds no secretAccessKey`);
  return secret;
}

let env: TestWorkflowEnvironment;
let codecServer: CodecServer;
let browser: HeadlessChromium | undefined;
let uiPort: number;
/** decodes the codec server actually performed (after the token check), counted inside it */
const decoded = { requests: 0, payloads: 0 };

beforeAll(async () => {
  rmSync(screenshots, { recursive: true, force: true });
  mkdirSync(screenshots, { recursive: true });
  uiPort = await freePort();
  const codec = new EncryptionCodec(parseKeyRing(DEMO_CODEC_KEYS));
  const counting: PayloadCodec = {
    encode: (payloads: Payload[]) => codec.encode(payloads),
    decode: (payloads: Payload[]) => {
      decoded.requests++;
      decoded.payloads += payloads.length;
      return codec.decode(payloads);
    },
  };
  codecServer = await startCodecServer({ codec: counting, token: 'ui-test-codec-token-0123456789', uiOrigin: `http://127.0.0.1:${uiPort}`, port: 0 });
  env = await createDevServerEnv({ ui: { port: uiPort, codecEndpoint: codecServer.uiEndpoint } });
  browser = await launchChromium({ viewport: VIEWPORT });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await env?.teardown();
  await codecServer?.stop();
});

interface ShownPage {
  text: string;
  html: string;
  /** each expanded row's text, by event id */
  events: { eventId: string; text: string }[];
  rowsShown: number;
  /** HTTP status of each /decode answer the browser got from the codec server */
  decodeAnswers: number[];
}

/**
 * Opens a run's history in the UI, waits for every event and the codec server's success mark, expands every event,
 * waits for the decoded details and the codec calls to finish, and takes the screenshots.
 */
async function openExpandedHistory(workflowId: string, runId: string, eventCount: number): Promise<ShownPage> {
  const page = await browser!.context.newPage();
  try {
    const decodeAnswers: number[] = [];
    let decodesInFlight = 0;
    // the UI posts to the codec server straight from the browser (CORS): watch those calls
    const isDecode = (req: Request) => req.method() === 'POST' && req.url().startsWith(codecServer.url) && new URL(req.url()).pathname.endsWith('/decode');
    page.on('request', (req) => {
      if (isDecode(req)) decodesInFlight++;
    });
    page.on('requestfinished', (req) => {
      if (isDecode(req)) decodesInFlight--;
    });
    page.on('requestfailed', (req) => {
      if (isDecode(req)) decodesInFlight--;
    });
    page.on('response', (res) => {
      if (isDecode(res.request())) decodeAnswers.push(res.status());
    });

    await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}/history`, { waitUntil: 'load', timeout: 60_000 });
    // every event on one page (the UI pages at 100; this history has about 50)
    await page.locator(ui.eventRow).nth(eventCount - 1).waitFor({ timeout: 60_000 });
    await page.locator(ui.codecSucceeded).first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(screenshots, 'history-loaded.png') });

    // no "expand all" in UI 2.54: open each row; its toggle's label turns to "Collapse details" once open
    const collapsed = page.locator(ui.collapsedToggle);
    for (let clicks = 0; (await collapsed.count()) > 0; clicks++) {
      if (clicks > eventCount * 2) throw new Error(`rows keep collapsing: ${await collapsed.count()} still closed after ${clicks} clicks`);
      await collapsed.first().click({ timeout: 30_000 });
    }
    await page.locator(ui.expandedRow).nth(eventCount - 1).waitFor({ timeout: 60_000 });
    // the details are decoded as they open: wait for the decoded request to show and the codec calls to end
    await page.getByText(SET_ID).first().waitFor({ timeout: 60_000 }).catch(() => undefined); // asserted by the caller
    const settleBy = Date.now() + 30_000;
    while (decodesInFlight > 0 && Date.now() < settleBy) await page.waitForTimeout(100);

    const text = await page.innerText('body');
    const html = await page.content();
    const events: ShownPage['events'] = [];
    for (const row of await page.locator(ui.expandedRow).all()) events.push({ eventId: eventIdOf(await row.getAttribute('id')), text: await row.innerText() });
    const rowsShown = await page.locator(ui.eventRow).count();

    // full page: the history scrolls inside the app's own pane, so grow the viewport to its height first
    // (the script is a string: this project compiles without the DOM library)
    const height = await page.evaluate<number>(
      `Math.max(document.documentElement.scrollHeight, ...[...document.querySelectorAll('*')].filter((e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)).map((e) => e.scrollHeight))`,
    );
    await page.setViewportSize({ width: VIEWPORT.width, height: Math.min(height + 100, 32_000) });
    await page.locator(ui.expandedRow).last().waitFor({ state: 'visible' });
    await page.screenshot({ path: path.join(screenshots, 'history-expanded.png'), fullPage: true });
    // and, readable at a glance, each event whose details carry the secret's field (an activity's scheduled, started
    // and completed rows open the same details: one picture of each)
    const pictured = new Set<string>();
    for (const row of await page.locator(ui.expandedRow, { hasText: 'secretAccessKey' }).all()) {
      const rowText = await row.innerText();
      if (pictured.has(rowText)) continue;
      pictured.add(rowText);
      await row.screenshot({ path: path.join(screenshots, `event-${eventIdOf(await row.getAttribute('id'))}.png`) });
    }
    return { text, html, events, rowsShown, decodeAnswers };
  } finally {
    await page.close();
  }
}

describe('a rotation in the Temporal UI, decoded through the codec server, in a real browser', () => {
  const providers = useProviders();

  let rotation: { oldSecret: string; newSecret: string } | undefined;
  let shown: ShownPage | undefined;

  it('rotates an IAM key into a SORACOM set; the UI decodes the whole history through the codec server', async () => {
    const { oldKeyId } = await providers.seedUser(USER, SET_ID);
    const oldSecret = secretInSet(providers, SET_ID);
    // the worker keeps running while the page is open, as for an operator: the UI's queries get answers
    const { parked, eventCount } = await withWorkers(env, providers.clients(), async () => {
      const handle = await startRotation(env.client, {
        source: { kind: 'aws-iam-access-key', userName: USER, accountId: ACCOUNT },
        consumers: [{ kind: 'soracom-credentials-set', credentialsId: SET_ID, mode: 'update' }],
        recoveryWindowDays: 7,
        pickupGraceSeconds: 0,
      });
      const parked = await waitForPhase(env.client, handle.workflowId, 'pending-deletion');
      // the history as stored: the set id is in no plaintext field, so seeing it on the page proves decoding
      const history = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
      expect(textOf(history).includes(SET_ID)).toBe(false);
      const eventCount = history.events?.length ?? 0;
      shown = await openExpandedHistory(handle.workflowId, handle.firstExecutionRunId, eventCount);
      return { parked, eventCount };
    });

    const newKeyId = parked.newCredentialId!;
    expect(providers.setsHolding()).toEqual({ [SET_ID]: newKeyId });
    expect(await providers.keysOf(USER)).toEqual([[newKeyId, 'Active'], [oldKeyId, 'Inactive']].sort());
    const newSecret = secretInSet(providers, SET_ID);
    expect(newSecret).not.toBe(oldSecret);
    rotation = { oldSecret, newSecret };

    const { text, events, rowsShown, decodeAnswers } = shown!;
    process.stdout.write(
      `[ui test] ${events.length} of ${eventCount} events expanded; the codec server decoded ${decoded.payloads} payloads in ${decoded.requests} requests; ` +
        `the browser got ${decodeAnswers.length} /decode answers; screenshots in ${path.relative(projectRoot, screenshots)}/\n`,
    );
    // booleans and counts only: a failing expectation must not print the page, which may hold a secret
    expect({
      rowsShown,
      rowsExpanded: events.length,
      codecServerDecoded: decoded.requests > 0 && decoded.payloads > 0,
      browserGotDecodeAnswers: decodeAnswers.length > 0,
      everyDecodeAnswered200: decodeAnswers.every((status) => status === 200),
      userNameDecoded: text.includes(`"userName": "${USER}"`),
      setIdDecoded: text.includes(`"credentialsId": "${SET_ID}"`),
      newKeyIdShown: text.includes(newKeyId),
      oldKeyIdShown: text.includes(oldKeyId),
      // the payloads that carry the secret were rendered: their field is on the page, whatever its value
      secretFieldRendered: text.includes('"secretAccessKey"'),
    }).toEqual({
      rowsShown: eventCount,
      rowsExpanded: eventCount,
      codecServerDecoded: true,
      browserGotDecodeAnswers: true,
      everyDecodeAnswered200: true,
      userNameDecoded: true,
      setIdDecoded: true,
      newKeyIdShown: true,
      oldKeyIdShown: true,
      secretFieldRendered: true,
    });
  }, 240_000);

  it('shows neither the new nor the old secret access key anywhere on the page', () => {
    if (!rotation || !shown) throw new Error('no page to check: the previous test failed');
    const shownValues = [...shown.text.matchAll(/"secretAccessKey":\s*"([^"]*)"/g)].map((m) => masked(m[1]!));
    process.stdout.write(`[ui test] secretAccessKey values on the page: ${shownValues.length ? [...new Set(shownValues)].map((v) => `${v} ×${shownValues.filter((s) => s === v).length}`).join(', ') : 'none'}\n`);

    const findings: string[] = [];
    for (const [whose, secret] of [['new key', rotation.newSecret], ['old key', rotation.oldSecret]] as const) {
      const inText = occurrences(shown.text, secret);
      if (inText > 0) {
        const events = shown.events.filter((e) => e.text.includes(secret)).map((e) => e.eventId);
        findings.push(`the ${whose}'s secret ${masked(secret)} is in the page text ${inText}×, in the details of events ${events.join(', ') || '(none expanded)'}`);
      }
      const seen = new Set<string>();
      for (const { form, needle } of tellTales(secret)) {
        for (const [where, haystack] of [['page text', shown.text], ['page HTML', shown.html]] as const) {
          const key = `${form} in the ${where}`;
          if (seen.has(key) || (form === 'a 16-character piece' && where === 'page text' && inText > 0)) continue;
          if (haystack.includes(needle)) {
            seen.add(key);
            findings.push(`the ${whose}'s secret ${masked(secret)}: ${form} of it (${needle.slice(0, 6)}…) is in the ${where}`);
          }
        }
      }
    }
    expect(findings).toEqual([]);
  });
});
