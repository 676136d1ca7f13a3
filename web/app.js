// The page: picks files (inputs or drag and drop), runs the worker, shows progress, the verdict and
// the report, and offers the report for download. No file is sent anywhere: the worker reads them
// in this tab.

const KEY_LIMIT = 64 << 10;        // a PEM key or verifier key string is a few hundred bytes
const NOTE_LIMIT = 1 << 20;        // checkpoints and proofs (the core's MAX_NOTE_BYTES)
const PACK_LIMIT = (1 << 20) + 1;  // one byte past the core's pack limit, so that it says so

const $ = (id) => document.getElementById(id);
const files = { ledger: null, trust: null, checkpoint: null, proof: null, policy: null };
let worker = null;
let workerReady = null;
let busy = false;
const urls = [];

function startWorker() {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  workerReady = new Promise((resolve) => {
    worker.addEventListener('message', function first({ data }) {
      if (data.type === 'ready') {
        worker.removeEventListener('message', first);
        resolve();
      }
    });
  });
  worker.addEventListener('message', onMessage);
  worker.addEventListener('error', (e) => finish({ type: 'error', error: { message: e.message || 'the worker failed' } }));
  return workerReady;
}

function status(text) {
  $('status').textContent = text;
}

function refresh() {
  const names = Object.entries(files).filter(([, f]) => f).map(([k, f]) => `${k}: ${f.name} (${mb(f.size)})`);
  $('chosen').textContent = names.join(' · ');
  $('verify').disabled = busy || !files.ledger || !files.trust;
  $('audit').disabled = busy || !files.ledger || !files.trust;
  $('check-proof').disabled = busy || !files.proof || !files.trust;
  $('cancel').disabled = !busy;
}

const mb = (n) => `${(n / (1 << 20)).toFixed(1)} MB`;

async function text(file, limit) {
  return file ? file.slice(0, limit).text() : null;
}

// What a dropped file is, by name first, then by its first bytes.
async function classify(file) {
  const name = file.name.toLowerCase();
  if (/\.(jsonl|ndjson)$/.test(name)) return 'ledger';
  if (/\.(ya?ml)$/.test(name)) return 'policy';
  if (/\.(pub|pem|vkey)$/.test(name)) return 'trust';
  const head = await file.slice(0, 512).text();
  if (head.startsWith('{')) return 'ledger';
  if (head.includes('-----BEGIN PUBLIC KEY') || /^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+\s*$/.test(head)) return 'trust';
  if (head.startsWith('fairboard/') || head.includes('proof')) return 'proof';
  if (head.includes('apiVersion:')) return 'policy';
  return 'checkpoint';
}

function clearResult() {
  for (const u of urls.splice(0)) URL.revokeObjectURL(u);
  $('result').hidden = true;
  $('verdict').textContent = '';
  $('verdict').className = '';
  $('summary').textContent = '';
  $('report').removeAttribute('srcdoc');
  $('downloads').hidden = true;
}

function download(id, body, type) {
  const url = URL.createObjectURL(new Blob([body], { type }));
  urls.push(url);
  $(id).href = url;
}

function verdict(ok, text) {
  $('result').hidden = false;
  $('verdict').textContent = text;
  $('verdict').className = ok ? 'ok' : 'bad';
}

function describe(error) {
  const where = error.line ? ` (line ${error.line})` : '';
  return `${error.message}${where}${error.hint ? ` — ${error.hint}` : ''}`;
}

function onMessage({ data }) {
  if (data.type === 'progress') {
    $('progress-box').hidden = false;
    $('progress').value = data.total ? data.bytes / data.total : 0;
    const phase = data.phase === 'evaluating' ? ' · evaluating the policy and the ratings…' : '';
    $('progress-text').textContent = `${data.records.toLocaleString('en')} records · ${mb(data.bytes)} of ${mb(data.total)}${phase}`;
    return;
  }
  if (data.type !== 'ready') finish(data);
}

function finish(data) {
  busy = false;
  refresh();
  const seconds = data.ms ? ` in ${(data.ms / 1000).toFixed(2)} s` : '';
  document.body.dataset.memory = String(data.memory || 0);
  if (data.type === 'verified') {
    const a = data.answer;
    if (a.ok) {
      verdict(true, `AUTHENTIC: ${a.result.records} records verified under the trusted operator key, head ${a.result.head}`);
      $('summary').textContent = a.result.checkpoint ? `checkpoint ${a.result.checkpoint.origin} at size ${a.result.checkpoint.size}: ${a.result.checkpoint.matches ? 'matches' : 'extended by'} this ledger` : '';
    } else {
      verdict(false, `NOT AUTHENTIC: ${describe(a.error)}`);
    }
    status(`verified${seconds}`);
  } else if (data.type === 'audited') {
    const report = JSON.parse(data.json);
    verdict(data.verdict.authentic && !data.verdict.fails, data.verdict.verdict);
    if (data.verdict.authentic) {
      const s = report.summary;
      $('summary').textContent = `policy ${report.policy.name}: ${s.deny} deny, ${s.warn} warn, ${s.info} info finding(s), ${s.errors} rule error(s)${data.verdict.fails ? ' — FAIL' : ' — PASS'}`;
    }
    $('report').srcdoc = data.html;
    download('download-html', data.html, 'text/html');
    download('download-json', data.json, 'application/json');
    $('downloads').hidden = false;
    status(`audited${seconds}`);
  } else if (data.type === 'proof') {
    const a = data.answer;
    if (a.ok) {
      const r = a.result;
      verdict(true, r.kind === 'inclusion'
        ? `PROOF HOLDS: record ${r.seq} (${r.event_type}) is in ${r.origin} at tree size ${r.size}`
        : `PROOF HOLDS: ${r.origin} at size ${r.new_size} extends size ${r.old_size}`);
    } else {
      verdict(false, `PROOF DOES NOT HOLD: ${describe(a.error)}`);
    }
    status('proof checked');
  } else if (data.type === 'error') {
    verdict(false, `ERROR: ${describe(data.error)}`);
    status('stopped');
  } else if (data.type === 'cancelled') {
    status('cancelled');
  }
  document.body.dataset.state = data.type;
}

async function run(cmd) {
  clearResult();
  busy = true;
  refresh();
  document.body.dataset.state = 'running';
  status(cmd === 'proof' ? 'checking the proof…' : 'reading…');
  $('progress-box').hidden = cmd === 'proof';
  $('progress').value = 0;
  await workerReady;
  let message;
  try {
    message = {
      cmd,
      ledger: files.ledger,
      trust: await text(files.trust, KEY_LIMIT),
      checkpoint: cmd === 'proof' ? null : await text(files.checkpoint, NOTE_LIMIT),
      proof: cmd === 'proof' ? await text(files.proof, NOTE_LIMIT) : null,
      policy: cmd === 'audit' ? await text(files.policy, PACK_LIMIT) : null,
      allowOverride: $('override').checked,
    };
  } catch (e) {
    finish({ type: 'error', error: { message: `a file could not be read (was it moved or deleted?): ${e.message}` } });
    return;
  }
  worker.postMessage(message);
}

function cancel() {
  worker.terminate();
  finish({ type: 'cancelled' });
  $('progress-box').hidden = true;
  status('cancelled; restarting…');
  startWorker().then(() => status('ready'));
}

for (const key of Object.keys(files)) {
  $(key).addEventListener('change', (e) => {
    files[key] = e.target.files[0] || null;
    refresh();
  });
}
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', async (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  for (const file of e.dataTransfer.files) files[await classify(file)] = file;
  refresh();
});
$('verify').addEventListener('click', () => run('verify'));
$('audit').addEventListener('click', () => run('audit'));
$('check-proof').addEventListener('click', () => run('proof'));
$('cancel').addEventListener('click', cancel);

startWorker().then(() => {
  status('ready');
  document.body.dataset.state = 'ready';
  refresh();
});
