// Opens fairboard's self-contained HTML audit report in headless Chromium (Debian's, driven by
// playwright-core) and checks it against the JSON audit of the same ledger: charts drawn with the
// right number of marks, anchors, findings, verdict, size, no network and no script error.
//
//   node tests/browser/report.mjs REPORT_HTML REPORT_JSON [--forged FORGED_HTML FORGED_JSON]
//        [--fair FAIR_HTML FAIR_JSON] --screenshot PNG
//
// REPORT_JSON is `fairboard audit --format json` of the ledger REPORT_HTML was made from. Each check
// prints as it passes; the first failure stops the run with exit code 1.
import { chromium } from 'playwright-core';
import { Failure, LAUNCH, check, end, eq } from './harness.mjs';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const USAGE = 'usage: node tests/browser/report.mjs REPORT_HTML REPORT_JSON [--forged HTML JSON] [--fair HTML JSON] --screenshot PNG';
const CHARTS = ['ratings', 'battle-share', 'share-vs-data', 'share-vs-data-class', 'deprecations', 'private-variants', 'best-of-n'];
const TOP_RATINGS = 30; // rows the ratings chart shows until "show all" is checked
const MAX_BYTES = 5_000_000;
const TIMEOUT_MS = 120_000;


function parseArgs(argv) {
  const a = { pos: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--forged' || argv[i] === '--fair') a[argv[i].slice(2)] = [argv[++i], argv[++i]];
    else if (argv[i] === '--screenshot') a.screenshot = argv[++i];
    else a.pos.push(argv[i]);
  }
  const bad = a.pos.length !== 2 || !a.screenshot || [a.forged, a.fair].some((p) => p && !(p[0] && p[1]));
  if (bad) { console.error(USAGE); process.exit(2); }
  const missing = [...a.pos, ...(a.forged ?? []), ...(a.fair ?? [])].filter((p) => !existsSync(p));
  if (missing.length) { console.error(`no such file: ${missing.join(', ')}\n${USAGE}`); process.exit(2); }
  return a;
}
const args = parseArgs(process.argv.slice(2));
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

// What every page may do: load its own document, nothing else. Errors are collected here and
// checked after each page (and reported with any failure).
const problems = [];
let documentUrl = null;
let context = null;
const profile = mkdtempSync(join(tmpdir(), 'fairboard-browser-'));

function watch(page, label) {
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`[${label}] console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`[${label}] page error: ${e.message}`));
}
const noProblems = (label) => check(`${label}: no console error, page error or request but the document`,
  problems.length === 0, problems.join('\n  '));

async function open(htmlPath, label) {
  documentUrl = pathToFileURL(resolve(htmlPath)).href;
  const page = await context.newPage();
  watch(page, label);
  await page.goto(documentUrl, { waitUntil: 'load' });
  return page;
}

async function waitFor(page, fn, arg, what, timeout = 60_000) {
  try { await page.waitForFunction(fn, arg, { timeout }); } catch (e) {
    throw new Failure(`${what}: not within ${timeout / 1000} s${problems.length ? '\n  ' + problems.join('\n  ') : ''}`);
  }
  check(what, true);
}
const chartsDone = (page, label) => waitFor(page, () => document.documentElement.dataset.charts === 'done', null, `${label}: html[data-charts=done]`);
const text = (page, sel) => page.$eval(sel, (e) => e.textContent.replace(/\s+/g, ' ').trim());

function expectedVerdict(json) {
  const v = json.verification;
  const sentence = v.ok
    ? `AUTHENTIC: ${v.records} records verified under the trusted operator key, head ${v.head}`
    : `NOT AUTHENTIC: ${v.defect ?? 'verification failed'}`;
  const fails = !v.ok || (json.summary?.deny ?? 0) > 0 || (json.errors ?? []).some((e) => e.severity === 'deny');
  return { sentence, result: fails ? 'FAIL' : 'PASS' };
}
async function checkVerdict(page, json, label) {
  const want = expectedVerdict(json);
  eq(`${label}: #verdict-text`, await text(page, '#verdict-text'), want.sentence);
  eq(`${label}: #verdict-result`, await text(page, '#verdict-result'), want.result);
  return want;
}

// `details#seq-N` is open and its top is inside the viewport (scrollIntoView may leave it a
// fraction of a pixel above the top).
async function checkTarget(page, seq, how) {
  await waitFor(page, (s) => document.getElementById(`seq-${s}`)?.open === true, seq, `${how}: details#seq-${seq} is open`, 10_000);
  const box = await page.$eval(`[id="seq-${seq}"]`, (e) => ({ top: e.getBoundingClientRect().top, h: window.innerHeight }));
  check(`${how}: details#seq-${seq} is in the viewport`, box.top > -1 && box.top < box.h, `top ${box.top}, window height ${box.h}`);
}

async function mainReport(htmlPath, json, screenshot) {
  const label = 'report';
  const page = await open(htmlPath, label);
  const url = documentUrl;
  await chartsDone(page, label);
  for (const name of CHARTS) check(`${label}: figure#chart-${name} is present`, (await page.$(`figure#chart-${name} .vl`)) !== null);
  const states = await page.$$eval('.vl', (els) => els.map((e) => `${e.dataset.spec}=${e.dataset.rendered}`));
  check(`${label}: every .vl has data-rendered="true" (${states.length})`, states.every((s) => s.endsWith('=true')), states.join(', '));
  const marks = (name) => page.$eval(`#chart-${name} .vl`, (e) => JSON.parse(e.dataset.marks || '{}'));
  const spec = async (name) => JSON.parse(await page.$eval(`#spec-${name}`, (e) => e.textContent));
  const markIs = async (name, mark, n) => eq(`${label}: ${name} mark "${mark}"`, (await marks(name))[mark], n);

  // Ratings: the first 30 rows, then all of them once "show all" is checked.
  const rows = json.ratings?.rows ?? [];
  await markIs('ratings', 'ci', Math.min(TOP_RATINGS, rows.length));
  await markIs('ratings', 'point', Math.min(TOP_RATINGS, rows.length));
  const box = page.locator('#chart-ratings :is(.vega-bind, .vega-bindings) input[type="checkbox"]');
  eq(`${label}: ratings has one checkbox binding`, await box.count(), 1);
  await box.check();
  await waitFor(page, (n) => {
    const m = JSON.parse(document.querySelector('#chart-ratings .vl').dataset.marks || '{}');
    return m.ci === n && m.point === n;
  }, rows.length, `${label}: after "show all", ratings marks "ci" and "point" = ${rows.length}`, 15_000);

  // One point per variant with a score disclosed before its release (variants never disclosed have
  // no score to draw; the table beside the chart lists them).
  const variants = (json.best_of_n ?? []).reduce(
    (n, s) => n + (s.at_release?.variants ?? s.variants ?? []).filter((v) => v.disclosed != null).length, 0);
  await markIs('best-of-n', 'variant', variants);
  await markIs('share-vs-data', 'provider', (json.providers ?? []).length);
  await markIs('share-vs-data-class', 'class', (json.license_classes ?? []).length);
  await markIs('deprecations', 'bar', 3 * (json.license_classes ?? []).length);
  const distinct = (values, field) => new Set((values ?? []).map((d) => d[field])).size;
  const share = await spec('battle-share');
  const shareValues = share.data?.values ?? share.layer?.find((l) => l.name === 'share')?.data?.values;
  check(`${label}: battle-share spec has data.values`, Array.isArray(shareValues));
  await markIs('battle-share', 'share', distinct(shareValues, 'series'));
  await markIs('private-variants', 'open', distinct((await spec('private-variants')).data?.values, 'provider'));

  const noAlt = await page.$$eval('figure.chart', (fs) => fs.filter((f) => !f.querySelector('.alt table')).map((f) => f.id));
  check(`${label}: every figure has its alternative table (figure .alt table)`, noAlt.length === 0, `missing in ${noAlt.join(', ')}`);

  // The first finding: open its subject, click its summary, see its evidence and their targets.
  eq(`${label}: details.finding count`, await page.locator('details.finding').count(), json.findings.length);
  let firstSeq = null;
  if (json.findings.length > 0) {
    const openStates = () => page.$$eval('#findings details.subject, #findings details.finding', (ds) => ds.map((d) => d.open));
    await page.click('#expand-all');
    check(`${label}: #expand-all opens every subject and finding`, (await openStates()).every(Boolean));
    await page.click('#collapse-all');
    check(`${label}: #collapse-all closes them`, !(await openStates()).some(Boolean));
    const f = await page.$eval('details.finding', (d) => ({ id: d.id, subject: d.closest('details.subject')?.id ?? null }));
    if (f.subject && !(await page.$eval(`[id="${f.subject}"]`, (d) => d.open))) await page.click(`[id="${f.subject}"] > summary`);
    await page.click(`[id="${f.id}"] > summary`);
    check(`${label}: clicking the first finding shows its table.evidence`, await page.locator(`[id="${f.id}"] table.evidence`).first().isVisible());
    const links = await page.$$eval(`[id="${f.id}"] table.evidence a[href^="#seq-"]`,
      (as) => as.map((a) => [a.getAttribute('href'), document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1))) !== null]));
    check(`${label}: its evidence has #seq- links (${links.length})`, links.length > 0);
    const dangling = links.filter(([, ok]) => !ok).map(([h]) => h);
    check(`${label}: every evidence link has a target`, dangling.length === 0, `no target for ${dangling.join(', ')}`);
    firstSeq = links[0][0].slice('#seq-'.length);
  }
  await checkVerdict(page, json, label);
  const size = statSync(htmlPath).size;
  check(`${label}: ${htmlPath} is ${size} bytes (< ${MAX_BYTES})`, size < MAX_BYTES);
  mkdirSync(dirname(resolve(screenshot)), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  check(`${label}: full-page screenshot written to ${screenshot}`, statSync(screenshot).size > 0);

  if (firstSeq !== null) {
    // Following a link to a record in the open page (hashchange), then opening that link afresh.
    await page.goto(`${url}#seq-${firstSeq}`);
    await checkTarget(page, firstSeq, `${label}#seq-${firstSeq} (hashchange)`);
    const fresh = await context.newPage();
    watch(fresh, `${label}#seq-${firstSeq}`);
    await fresh.goto(`${url}#seq-${firstSeq}`, { waitUntil: 'load' });
    await chartsDone(fresh, `${label}#seq-${firstSeq} (load)`);
    await checkTarget(fresh, firstSeq, `${label}#seq-${firstSeq} (load)`);
    await fresh.close();
  }
  noProblems(label);
  await page.close();
}

async function forgedReport(htmlPath, json) {
  const label = 'forged';
  const page = await open(htmlPath, label);
  const t = await text(page, '#verdict-text');
  check(`${label}: #verdict-text starts with "NOT AUTHENTIC: line "`, t.startsWith('NOT AUTHENTIC: line '), `got ${JSON.stringify(t)}`);
  await checkVerdict(page, json, label);
  for (const sel of ['.vl', 'section#findings', 'details.record']) eq(`${label}: count of ${sel}`, await page.locator(sel).count(), 0);
  noProblems(label);
  await page.close();
}

async function fairReport(htmlPath, json) {
  const label = 'fair';
  const page = await open(htmlPath, label);
  if (await page.locator('.vl').count()) await chartsDone(page, label);
  eq(`${label}: count of details.finding.deny`, await page.locator('details.finding.deny').count(), 0);
  check(`${label}: #summary says "No deny findings"`, (await text(page, '#summary')).includes('No deny findings'));
  await checkVerdict(page, json, label);
  noProblems(label);
  await page.close();
}

async function run() {
  context = await chromium.launchPersistentContext(profile, LAUNCH);
  context.on('request', (r) => {
    const u = r.url().split('#')[0];
    if (u !== documentUrl && !u.startsWith('data:')) problems.push(`request to ${r.url()}`);
  });
  await mainReport(args.pos[0], readJson(args.pos[1]), args.screenshot);
  if (args.forged) await forgedReport(args.forged[0], readJson(args.forged[1]));
  if (args.fair) await fairReport(args.fair[0], readJson(args.fair[1]));
}

let finished = false;
async function finish(err) {
  if (finished) return;
  finished = true;
  clearTimeout(timer);
  await end({ err, problems, context, profile, label: 'browser' });
}
const timer = setTimeout(() => finish(new Failure(`global timeout: not done within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
run().then(() => finish(null), finish);
