// Runs fairboard's core compiled to wasm32 under Node: verifies the vendored ledger-v1 vector, checks
// it against the embedded shipped pack, and makes sure a tampered ledger and garbage requests are
// refused with the same answers the native code gives. Usage: node node.mjs PKG_DIR VECTORS_DIR
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const [pkg, vectors] = process.argv.slice(2);
const fairboard = createRequire(import.meta.url)(`${pkg}/fairboard_wasm.js`);
const ledger = readFileSync(`${vectors}/ledger-v1/ledger.jsonl`, 'utf8');
const trust = readFileSync(`${vectors}/ledger-v1/operator.pub`, 'utf8');
const call = (fn, request) => JSON.parse(fairboard[fn](JSON.stringify(request)));

const verified = call('verify', { ledger, trust });
assert.equal(verified.ok, true, JSON.stringify(verified));
const records = ledger.trimEnd().split('\n').length;
assert.equal(verified.result.records, records);
assert.equal(verified.result.head, JSON.parse(ledger.trimEnd().split('\n').at(-1)).hash);

const lines = ledger.split('\n');
lines[2] = lines[2].replace('"seq":2', '"seq":9');
const tampered = call('verify', { ledger: lines.join('\n'), trust });
assert.equal(tampered.ok, false);
assert.equal(tampered.error.kind, 'verification');
assert.equal(tampered.error.line, 3, JSON.stringify(tampered));

const checked = call('check', { ledger });
assert.equal(checked.ok, true, JSON.stringify(checked));
assert.equal(checked.result.policy.name, 'leaderboard-illusion-recommendations');
assert.equal(checked.result.ledger.records, records);
assert.ok(Array.isArray(checked.result.findings));

const hostile = call('check', {
  ledger,
  policy: 'apiVersion: fairboard/v1\nkind: PolicyPack\nname: h\nversion: 1.0.0\nrules:\n  - id: spin\n    severity: deny\n    rationale: r\n    script: "fn evaluate(facts, params) { loop { } }"\n',
});
assert.equal(hostile.ok, true, JSON.stringify(hostile));
assert.equal(hostile.result.errors.length, 1);
assert.match(hostile.result.errors[0].message, /operations/);

const garbage = JSON.parse(fairboard.check('{not json'));
assert.equal(garbage.ok, false);
assert.equal(garbage.error.kind, 'input');

const scored = call('scores', { ledger });
assert.ok(scored.ok || scored.error.kind === 'input', JSON.stringify(scored));

console.log(`wasm32: verify ${records} records, check (${checked.result.findings.length} findings), tamper at line 3, sandbox limit, garbage: ok`);
