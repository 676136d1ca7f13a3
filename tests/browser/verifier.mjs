// The browser verifier (web/, docs/browser.md) in headless Chromium (Debian's, driven by
// playwright-core): serves the built page from a loopback static server started here, feeds files
// through the page's file inputs, and checks what the page says against the CLI on the same files.
//
//   node tests/browser/verifier.mjs WEB_DIR DEMO_DIR DEMO_JSON FORGED_LEDGER FORGED_JSON PROOF
//   node tests/browser/verifier.mjs WEB_DIR DEMO_DIR --bench N      (verify only, N times: timings)
//
// DEMO_DIR is a `fairboard demo --out` directory (ledger.jsonl, operator.pub, policy.yaml);
// DEMO_JSON and FORGED_JSON are `fairboard audit --format json` of the demo's and the forged ledger;
// PROOF is `fairboard prove --seq 5` of the demo ledger. Each check prints as it passes; the first
// failure stops the run with exit code 1.
import { chromium } from 'playwright-core';
import { Failure, LAUNCH, check, end, eq } from './harness.mjs';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TIMEOUT_MS = 900_000;
const MEMORY_LIMIT = 600 << 20;
const RESPONSIVE_MS = 1_000; // the page must answer within this while the worker runs
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };


const argv = process.argv.slice(2);
const benchAt = argv.indexOf('--bench');
const bench = benchAt >= 0 ? Number(argv[benchAt + 1]) : 0;
const pos = benchAt >= 0 ? argv.slice(0, benchAt) : argv;
if ((bench && pos.length !== 2) || (!bench && pos.length !== 6)) {
  console.error('usage: node tests/browser/verifier.mjs WEB_DIR DEMO_DIR DEMO_JSON FORGED_LEDGER FORGED_JSON PROOF\n' +
    '       node tests/browser/verifier.mjs WEB_DIR DEMO_DIR --bench N');
  process.exit(2);
}
const [web, demo, demoJson, forgedLedger, forgedJson, proofFile] = pos.map((p) => resolve(p));
const missing = pos.map((p) => resolve(p)).filter((p) => !existsSync(p));
if (missing.length) { console.error(`no such file: ${missing.join(', ')}`); process.exit(2); }
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

// The static server: files under WEB_DIR, nothing else; every request is logged.
const requests = [];
const server = createServer((req, res) => {
  requests.push(`${req.method} ${req.url}`);
  const path = normalize(join(web, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  const file = path.endsWith(sep) ? join(path, 'index.html') : path;
  if (req.method !== 'GET' || !file.startsWith(web + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(req.method === 'GET' ? 404 : 405).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  res.end(readFileSync(file));
});

// The tab's peak memory: the high-water mark (VmHWM) of Chromium's renderer processes. One page is
// open, so its renderer holds the page and its worker.
function rendererPeak() {
  let peak = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('--type=renderer') || !/chrom/.test(cmd)) continue;
      const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch { /* the process ended, or is not ours to read */ }
  }
  return peak;
}

const profile = mkdtempSync(join(tmpdir(), 'fairboard-verifier-'));
let context = null;
const problems = [];

async function freshPage(base) {
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${base}/index.html`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60_000 });
  return page;
}

async function setFiles(page, files) {
  for (const [id, path] of Object.entries(files)) await page.setInputFiles(`#${id}`, path ?? []);
}

// Clicks `button` and waits for the page to reach a final state, asking the page for a frame every
// 200 ms meanwhile: the longest wait is how unresponsive the page was.
async function runAndWatch(page, button, states, timeout = 600_000) {
  await page.click(button);
  let worst = 0;
  const started = Date.now();
  for (;;) {
    const t = Date.now();
    const state = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(document.body.dataset.state))));
    worst = Math.max(worst, Date.now() - t);
    if (states.includes(state)) return { state, worst, ms: Date.now() - started };
    if (Date.now() - started > timeout) throw new Failure(`${button}: no final state within ${timeout / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const text = (page, sel) => page.$eval(sel, (e) => e.textContent.replace(/\s+/g, ' ').trim());

async function downloaded(page, sel) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(sel)]);
  return readFileSync(await dl.path(), 'utf8');
}

function counts(json) {
  const out = {};
  for (const f of json.findings ?? []) out[f.rule] = (out[f.rule] ?? 0) + 1;
  return out;
}

function sameAudit(label, page, cli) {
  eq(`${label}: verification.ok`, page.verification.ok, cli.verification.ok);
  eq(`${label}: verification.records`, page.verification.records, cli.verification.records);
  eq(`${label}: verification.head`, page.verification.head, cli.verification.head);
  eq(`${label}: summary`, page.summary, cli.summary);
  eq(`${label}: findings per rule`, counts(page), counts(cli));
  const a = page.ratings?.rows ?? [];
  const b = cli.ratings?.rows ?? [];
  check(`${label}: the same ${b.length} rated models, in the same order`,
    JSON.stringify(a.map((r) => r.model)) === JSON.stringify(b.map((r) => r.model)), `page: ${a.length} models, CLI: ${b.length}`);
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    for (const k of ['rating', 'ci_low', 'ci_high']) worst = Math.max(worst, Math.abs(a[i][k] - b[i][k]));
  }
  check(`${label}: ratings and intervals within 1e-6 of the CLI's (max |delta| ${worst.toExponential(2)})`, worst <= 1e-6);
}

function hostilePack(padTo) {
  const rules = `apiVersion: fairboard/v1
kind: PolicyPack
name: hostile
version: 1.0.0
rules:
  - id: spin
    severity: deny
    rationale: never ends
    script: 'fn evaluate(facts, params) { let n = 0; loop { n += 1; } }'
  - id: grow
    severity: deny
    rationale: eats memory
    script: 'fn evaluate(facts, params) { let s = "xxxxxxxx"; loop { s += s; } }'
`;
  let pack = rules;
  const line = `# ${'padding '.repeat(12)}\n`;
  while (pack.length < padTo) pack += line;
  return pack;
}

async function main(base) {
  const demoLedger = join(demo, 'ledger.jsonl');
  const trust = join(demo, 'operator.pub');
  const policy = join(demo, 'policy.yaml');
  const cli = readJson(demoJson);
  const page = await freshPage(base);
  const loaded = requests.length;
  check(`the page loaded its own assets only (${loaded} requests: ${requests.join(', ')})`,
    requests.every((r) => r.startsWith('GET /')));

  // Verify the 100 MB demo ledger first, on a fresh renderer: the tab's peak memory.
  await setFiles(page, { ledger: demoLedger, trust });
  const v = await runAndWatch(page, '#verify', ['verified', 'error']);
  eq('verify: final state', v.state, 'verified');
  eq('verify: verdict', await text(page, '#verdict'),
    `AUTHENTIC: ${cli.verification.records} records verified under the trusted operator key, head ${cli.verification.head}`);
  const peak = rendererPeak();
  const wasm = Number(await page.evaluate(() => document.body.dataset.memory));
  console.log(`# verify of ${(statSync(demoLedger).size / 1e6).toFixed(1)} MB in the page: ${v.ms} ms; tab peak (renderer VmHWM) ${(peak / 1048576).toFixed(0)} MiB, wasm memory ${(wasm / 1048576).toFixed(0)} MiB; longest wait for a frame ${v.worst} ms`);
  check(`verify: the tab peaked below 600 MiB (${(peak / 1048576).toFixed(0)} MiB)`, peak > 0 && peak < MEMORY_LIMIT);
  check(`verify: the page stayed responsive (longest frame wait ${v.worst} ms)`, v.worst < RESPONSIVE_MS);

  // Audit with the demo's pack: the JSON the page offers is the CLI's audit.
  await setFiles(page, { policy });
  const a = await runAndWatch(page, '#audit', ['audited', 'error']);
  eq('audit: final state', a.state, 'audited');
  const verdictLine = `AUTHENTIC: ${cli.verification.records} records verified under the trusted operator key, head ${cli.verification.head}`;
  eq('audit: verdict', await text(page, '#verdict'), verdictLine);
  const json = JSON.parse(await downloaded(page, '#download-json'));
  sameAudit('audit', json, cli);
  const html = await downloaded(page, '#download-html');
  check(`audit: the HTML report downloads (${html.length} bytes) with the verdict`, html.startsWith('<!DOCTYPE html>') && html.includes(verdictLine));
  const frame = page.frameLocator('#report');
  await frame.locator('#verdict-text').waitFor({ timeout: 30_000 });
  eq('audit: the embedded report shows the verdict', (await frame.locator('#verdict-text').textContent()).replace(/\s+/g, ' ').trim(), verdictLine);
  console.log(`# audit in the page: ${a.ms} ms; tab peak so far ${(rendererPeak() / 1048576).toFixed(0)} MiB; longest wait for a frame ${a.worst} ms`);
  check(`audit: the page stayed responsive (longest frame wait ${a.worst} ms)`, a.worst < RESPONSIVE_MS);

  eq('no request between the page load and the first cancel', requests.slice(loaded), []);

  // Cancel: a running audit stops, and the page works again. The page ends the worker and starts a
  // new one, which loads the worker's own three assets again (nothing else; no file is sent).
  await page.click('#audit');
  await page.waitForFunction(() => Number(document.getElementById('progress').value) > 0, null, { timeout: 60_000 });
  await page.click('#cancel');
  await page.waitForFunction(() => document.body.dataset.state === 'cancelled', null, { timeout: 10_000 });
  check('cancel: a running audit stops at once', true);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'ready', null, { timeout: 60_000 });
  eq('cancel: the new worker loads its own assets, nothing else', requests.slice(loaded),
    ['GET /worker.js', 'GET /pkg/fairboard_wasm.js', 'GET /pkg/fairboard_wasm_bg.wasm']);
  const reloaded = requests.length;

  // A tampered ledger: NOT AUTHENTIC, naming the line the CLI names.
  const forged = readJson(forgedJson);
  await setFiles(page, { ledger: forgedLedger });
  const f = await runAndWatch(page, '#audit', ['audited', 'error']);
  eq('forged: final state', f.state, 'audited');
  eq('forged: verdict', await text(page, '#verdict'), `NOT AUTHENTIC: ${forged.verification.defect}`);
  const forgedPage = JSON.parse(await downloaded(page, '#download-json'));
  eq('forged: defect line', forgedPage.verification.defect_line, forged.verification.defect_line);
  eq('forged: nothing computed', [forgedPage.findings.length, forgedPage.ratings ?? null], [0, null]);

  // Hostile packs. 2 MB: refused by the pack size limit before anything runs. Under the limit: the
  // rules run in the sandbox and end with its errors (operations, string size), the page responsive.
  const dir = mkdtempSync(join(tmpdir(), 'fairboard-packs-'));
  const big = join(dir, 'hostile-2mb.yaml');
  writeFileSync(big, hostilePack(2_000_000));
  const small = join(dir, 'hostile.yaml');
  writeFileSync(small, hostilePack(0));
  await page.check('#override');
  await setFiles(page, { ledger: demoLedger, policy: big });
  const b = await runAndWatch(page, '#audit', ['audited', 'error']);
  eq('2 MB pack: final state', b.state, 'error');
  const bigText = await text(page, '#verdict');
  check(`2 MB pack: refused by the size limit ("${bigText.slice(0, 120)}")`, /larger than 1048576 bytes/.test(bigText));
  await setFiles(page, { policy: small });
  const h = await runAndWatch(page, '#audit', ['audited', 'error']);
  eq('hostile pack: final state', h.state, 'audited');
  const hostile = JSON.parse(await downloaded(page, '#download-json'));
  eq('hostile pack: the rules that could not run', hostile.errors.map((e) => e.rule).sort(), ['grow', 'spin']);
  const why = hostile.errors.map((e) => e.message).join(' | ');
  check(`hostile pack: each ended with the sandbox's error (${why})`, hostile.errors.every((e) => /operations|too large|size|memory|seconds/i.test(e.message)));
  check(`hostile pack: the page stayed responsive (longest frame wait ${h.worst} ms)`, h.worst < RESPONSIVE_MS);
  await setFiles(page, { policy: null });
  rmSync(dir, { recursive: true, force: true });

  // A proof, under the operator's PEM key.
  await setFiles(page, { proof: proofFile });
  const p = await runAndWatch(page, '#check-proof', ['proof', 'error']);
  eq('proof: final state', p.state, 'proof');
  check(`proof: holds (${await text(page, '#verdict')})`, (await text(page, '#verdict')).startsWith('PROOF HOLDS: record 5 '));

  eq('no request after the new worker loaded', requests.slice(reloaded), []);
  check('no console or page error', problems.length === 0, problems.join('\n  '));
}

async function benchmark(base, n) {
  const page = await freshPage(base);
  await setFiles(page, { ledger: join(demo, 'ledger.jsonl'), trust: join(demo, 'operator.pub') });
  const times = [];
  for (let i = 0; i < n; i++) {
    const r = await runAndWatch(page, '#verify', ['verified', 'error']);
    if (r.state !== 'verified') throw new Failure(`verify ended in ${r.state}: ${await text(page, '#verdict')}`);
    times.push(r.ms);
  }
  console.log(JSON.stringify({ verify_ms: times, peak_bytes: rendererPeak() }));
}

let finished = false;
async function finish(err) {
  if (finished) return;
  finished = true;
  clearTimeout(timer);
  await end({ err, problems, context, profile, label: bench ? null : 'verifier', cleanup: () => server.close() });
}
const timer = setTimeout(() => finish(new Failure(`global timeout: not done within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);

server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    context = await chromium.launchPersistentContext(profile, { ...LAUNCH, acceptDownloads: true });
    // Anything but the page's own origin would be a leak.
    context.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) problems.push(`request to ${r.url()}`); });
    if (bench) await benchmark(base, bench);
    else await main(base);
    await finish(null);
  } catch (e) {
    await finish(e);
  }
});
