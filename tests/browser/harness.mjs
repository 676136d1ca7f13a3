// What the browser tests share: TAP-like checks (each prints as it passes; the first failure
// throws), Chromium's launch options (Debian's chromium, headless, a fresh profile) and the ending.
import { rmSync } from 'node:fs';
export class Failure extends Error {}

let count = 0;

/** Checks `ok`, printing `ok N - what`; throws a Failure carrying `detail` otherwise. */
export function check(what, ok, detail = '') {
  if (!ok) throw new Failure(detail ? `${what}\n  ${detail}` : what);
  count += 1;
  console.log(`ok ${count} - ${what}`);
}

/** Checks that `actual` and `expected` have the same JSON. */
export const eq = (what, actual, expected) =>
  check(`${what} = ${JSON.stringify(expected)}`, JSON.stringify(actual) === JSON.stringify(expected), `got ${JSON.stringify(actual)}`);

/** How many checks have passed. */
export const passed = () => count;

/** The options of `chromium.launchPersistentContext` every browser test uses. */
export const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic'],
};

/**
 * Ends a browser test: prints the failure (and what the browser showed), closes the browser within
 * 10 s, removes its profile, prints the tally (unless `label` is null) and exits 1 on failure.
 */
export async function end({ err, problems, context, profile, label, cleanup = () => {} }) {
  if (err) console.error(`FAILED: ${err instanceof Failure ? err.message : err.stack || err}`);
  if (err && problems.length) console.error(`  seen in the browser:\n  ${problems.join('\n  ')}`);
  await Promise.race([context?.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
  cleanup();
  rmSync(profile, { recursive: true, force: true });
  if (label) console.log(`${label}: ${passed()} passed, ${err ? 1 : 0} failed`);
  process.exit(err ? 1 : 0);
}
