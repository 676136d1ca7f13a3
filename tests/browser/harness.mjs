// What the browser tests share: TAP-like checks (each prints as it passes; the first failure
// throws) and Chromium's launch options (Debian's chromium, headless, a fresh profile).
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
