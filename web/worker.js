// fairboard's core in a Web Worker: reads the ledger as a stream (File.stream()), feeds it to the
// WebAssembly session chunk by chunk, and reports progress; the page stays responsive and can cancel
// by terminating this worker. Messages in: {cmd: 'verify' | 'audit' | 'proof', ...}; out: 'ready',
// 'progress', 'verified', 'audited', 'proof', 'error'. Nothing here touches the network: the only
// fetch is the module's own .wasm, before any file is read.
import init, { AuditSession, VerifySession, verify_proof_by_key } from './pkg/fairboard_wasm.js';

const PROGRESS_MS = 100;
let wasm;
const ready = init({ module_or_path: new URL('./pkg/fairboard_wasm_bg.wasm', import.meta.url) }).then((w) => {
  wasm = w;
  postMessage({ type: 'ready' });
});

const memory = () => wasm.memory.buffer.byteLength;

// The ledger, chunk by chunk, into `session`; stops early once a defect has decided the verdict.
async function feed(session, ledger) {
  const reader = ledger.stream().getReader();
  let bytes = 0;
  let records = 0;
  let last = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    records = session.push(value);
    bytes += value.byteLength;
    const now = performance.now();
    if (now - last >= PROGRESS_MS) {
      last = now;
      postMessage({ type: 'progress', phase: 'verifying', records, bytes, total: ledger.size, memory: memory() });
    }
    if (session.failed()) {
      await reader.cancel();
      break;
    }
  }
  postMessage({ type: 'progress', phase: 'finishing', records, bytes, total: ledger.size, memory: memory() });
  return { bytes, records };
}

function failure(e) {
  if (typeof e === 'string') {
    try { return JSON.parse(e).error; } catch { /* not an answer */ }
  }
  return { kind: 'input', message: String(e && e.message ? e.message : e) };
}

onmessage = async ({ data }) => {
  await ready;
  const started = performance.now();
  try {
    if (data.cmd === 'proof') {
      const answer = JSON.parse(verify_proof_by_key(data.proof, data.trust));
      postMessage({ type: 'proof', answer });
      return;
    }
    if (data.cmd === 'verify') {
      const session = new VerifySession(data.trust, data.checkpoint ?? undefined);
      const read = await feed(session, data.ledger);
      const answer = JSON.parse(session.finish());
      postMessage({ type: 'verified', answer, ...read, ms: performance.now() - started, memory: memory() });
      return;
    }
    const session = new AuditSession(data.trust, data.policy ?? undefined, data.checkpoint ?? undefined, !!data.allowOverride);
    const read = await feed(session, data.ledger);
    const verifiedMs = performance.now() - started;
    postMessage({ type: 'progress', phase: 'evaluating', records: read.records, bytes: read.bytes, total: data.ledger.size, memory: memory() });
    session.finish();
    const verdict = JSON.parse(session.verdict());
    const json = session.json();
    const html = session.html(false);
    session.free();
    postMessage({ type: 'audited', verdict, json, html, ...read, verifiedMs, ms: performance.now() - started, memory: memory() });
  } catch (e) {
    postMessage({ type: 'error', error: failure(e), memory: wasm ? memory() : 0 });
  }
};
