// A check by hand, not run by the build (the e2e stack lifts the per-user send rate): one user writes a burst of
// messages in the web page, faster than the send rate lets through (`chat-send`: 5/s, bursts of 20), and every
// message must end up stored, none marked failed, in the order written. Refused sends (`rate-limited`) are sent
// again by the page, one at a time in that conversation, each after the ack of the one before.
//
// Against a stack with the default send rate, e.g. `./suite up -d`:
//   cd e2e-tests/src/test/browser && npm ci && BASE_URL=http://localhost:8083 N=100 node send-burst.mjs
// PAGE_SOURCES (e.g. ../../../../chat-gateway/src/main/resources/static) serves the page's own files instead of
// the gateway's, to try page changes without rebuilding it. Exits non-zero when a message is lost, failed or out
// of order.
import { BASE_URL, openPage } from './by-hand.mjs';

const N = Number(process.env.N ?? 100);
const run = Date.now().toString(36);
const { browser, page } = await openPage();
let failed = false;
try {
  await page.goto(`${BASE_URL}/`);
  await page.fill('#user-name', `burst-${run}`);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#status[data-status=connected]', { timeout: 30_000 });
  await page.fill('#create-members', `peer-${run}`);
  await page.click('#create-form button[type=submit]');
  await page.waitForSelector('#conversations li[aria-selected=true]', { timeout: 30_000 });
  const started = Date.now();
  for (let i = 1; i <= N; i++) {
    await page.fill('#message-input', `burst ${i}`);
    await page.press('#message-input', 'Enter');
  }
  console.log(`wrote ${N} messages in ${Date.now() - started} ms`);
  const expected = Array.from({ length: N }, (_, i) => `burst ${i + 1}`);
  for (let second = 0; ; second++) {
    const seen = await page.evaluate(() => ({
      pending: document.querySelectorAll('#message-list li.pending').length,
      failed: document.querySelectorAll('#message-list .tick[data-receipt=failed]').length,
      stored: [...document.querySelectorAll('#message-list li.message[data-seq]')]
        .map((li) => [Number(li.dataset.seq), li.querySelector('.body').textContent]),
    }));
    if (seen.failed > 0) {
      throw new Error(`${seen.failed} messages marked failed`);
    }
    if (seen.pending === 0) {
      const bodies = seen.stored.sort((a, b) => a[0] - b[0]).map(([, body]) => body);
      if (JSON.stringify(bodies) !== JSON.stringify(expected)) {
        throw new Error(`stored out of order or incomplete: ${JSON.stringify(bodies)}`);
      }
      console.log(`all ${N} stored in the order written, none failed, ${(Date.now() - started) / 1000} s after the first`);
      break;
    }
    if (second > 180) {
      throw new Error(`${seen.pending} messages still unacked after 180 s`);
    }
    await page.waitForTimeout(1000);
  }
} catch (e) {
  console.log(`FAILED: ${e.message}`);
  failed = true;
}
await browser.close();
process.exit(failed ? 1 : 0);
