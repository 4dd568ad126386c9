/**
 * The picture in docs/operations.md: a rotation parked on `npm run stack -- --sandbox`, as the stack's Temporal UI shows
 * it in headless Chromium, its payloads decoded by the stack's codec server. Run it beside a running stack, with the
 * same ROTATOR_STACK_*_PORT variables:
 *
 *   node --import tsx sandbox/stack-screenshot.ts <workflow id> [out.png]
 *
 * Before it writes the picture it checks the page: the request decoded (the IAM user, the SORACOM set id), the new
 * key's secret shown sealed (`sealed:<key>:…`), and no secret access key moto holds for that user in the page's text or
 * HTML, whole, in 16-character pieces or base64-encoded. It exits non-zero, printing no secret, when a check fails.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { launchChromium } from '../test/support/browser';

const port = (name: string, fallback: number) => Number(process.env[`ROTATOR_STACK_${name}_PORT`] ?? fallback);
const temporalPort = port('TEMPORAL', 7233);
const uiPort = port('UI', 8080);
const codecPort = port('CODEC', 8888);
const motoPort = port('MOTO', 5065);
const NAMESPACE = process.env.ROTATOR_NAMESPACE ?? 'rotator';
// tall enough for the decoded Input pane and, below it, the opened result of createCredential (event 23 here)
const VIEWPORT = { width: 1680, height: 2300 };

// Temporal UI 2.49 (the compose image's): the only selectors relied on
const ui = {
  eventRow: '[data-testid="event-summary-row"]',
  codecSucceeded: '[data-testid="data-encoder-status-success"]',
};

/** Every secret access key moto holds for the user (the old key's and the new one's), from moto's own state dump. */
async function secretsInMoto(userName: string): Promise<string[]> {
  const state = (await (await fetch(`http://127.0.0.1:${motoPort}/moto-api/data.json`)).json()) as { iam?: { AccessKey?: { user_name: string; secret_access_key: string }[] } };
  return (state.iam?.AccessKey ?? []).filter((k) => k.user_name === userName).map((k) => k.secret_access_key);
}

/** Forms in which a secret could show: 16-character pieces, and base64 at the three alignments (as test/ui/ checks). */
function tellTales(secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 16 <= secret.length; i++) out.push(secret.slice(i, i + 16));
  const bytes = Buffer.from(secret, 'utf8');
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const stable = encoded.slice(shift === 0 ? 0 : 4, Math.floor((shift + bytes.length) / 3) * 4);
    out.push(stable, stable.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

async function main(): Promise<void> {
  const [workflowId, out = path.join('docs', 'images', 'stack-ui-decoded-payload.png')] = process.argv.slice(2);
  if (!workflowId) throw new Error('usage: sandbox/stack-screenshot.ts <workflow id> [out.png]');
  const userName = workflowId.split(':').pop()!;
  const secrets = await secretsInMoto(userName);
  if (secrets.length < 2) throw new Error(`moto holds ${secrets.length} keys for ${userName}: park a rotation first`);

  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  const { runId } = await new Client({ connection, namespace: NAMESPACE }).workflow.getHandle(workflowId).describe();
  await connection.close();

  const browser = await launchChromium({ viewport: VIEWPORT });
  try {
    const page = await browser.context.newPage();
    const decodeAnswers: number[] = [];
    page.on('response', (res) => {
      if (res.url().startsWith(`http://localhost:${codecPort}/`) && res.url().endsWith('/decode')) decodeAnswers.push(res.status());
    });
    // localhost, not 127.0.0.1: the codec server answers CORS for the UI origin the stack gave it
    await page.goto(`http://localhost:${uiPort}/namespaces/${NAMESPACE}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`, { waitUntil: 'load', timeout: 60_000 });
    await page.locator(ui.eventRow).first().waitFor({ timeout: 60_000 });
    await page.locator(ui.codecSucceeded).first().waitFor({ timeout: 60_000 });
    // the Input pane shows the request decoded; below it, oldest event first, open the activity result that carries
    // the new key (its secret must show sealed)
    await page.getByText(`"userName": "${userName}"`).first().waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Descending' }).click();
    await page.locator(ui.eventRow).first().filter({ hasText: '1' }).waitFor({ timeout: 30_000 });
    let opened = false;
    for (const row of await page.locator(ui.eventRow, { hasText: 'Activity Task Completed' }).all()) {
      await row.click();
      await page.waitForTimeout(1_000);
      if (/"secretAccessKey":\s*"sealed:/.test(await page.innerText('body'))) {
        opened = true;
        break;
      }
      await row.click();
    }
    if (!opened) throw new Error('no activity result with a sealed secretAccessKey found in the history');
    const text = await page.innerText('body');
    const html = await page.content();
    const checks = {
      decodeAnsweredOk: decodeAnswers.length > 0 && decodeAnswers.every((s) => s === 200),
      userNameDecoded: text.includes(`"userName": "${userName}"`),
      setIdDecoded: text.includes(`"credentialsId": "${userName}-aws"`),
      secretShownSealed: /"secretAccessKey":\s*"sealed:[^":]+:/.test(text),
      noSecretInClear: secrets.every((s) => !text.includes(s) && !html.includes(s) && tellTales(s).every((t) => !text.includes(t) && !html.includes(t))),
    };
    process.stdout.write(`${JSON.stringify(checks)} (${secrets.length} secrets of ${userName} looked for; ${decodeAnswers.length} /decode answers)\n`);
    if (!Object.values(checks).every(Boolean)) throw new Error('the page failed a check; no picture written');
    mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: false });
    process.stdout.write(`wrote ${out}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`stack-screenshot: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
