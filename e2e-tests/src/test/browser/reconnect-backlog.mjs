// A check by hand, not run by the build: a page on an XHR transport goes offline, its user writes messages the
// page cannot send, and when the page is back they must all be stored, in the order written. The SockJS client
// sends what was queued while a POST was out in one `xhr_send` body; past the gateway's request body limit
// (`blueprint.web.max-request-body`) that body is refused with 413, and the SockJS client then closes the session.
//
// Against a stack whose gateway has a small body limit, e.g.
//   BLUEPRINT_WEB_MAX_REQUEST_BODY=96KB ./suite up -d
//   cd e2e-tests/src/test/browser && npm ci && BASE_URL=http://localhost:8083 N=12 node reconnect-backlog.mjs
// Each message is 4,000 U+0001 characters (~28,000 once JSON-escaped twice), so 12 of them are ~340 KB.
// PAGE_SOURCES serves the page's own files instead of the gateway's, as in send-burst.mjs. Exits non-zero when a
// message is lost, failed or out of order within the time allowed.
import { BASE_URL, openPage } from './by-hand.mjs';

const N = Number(process.env.N ?? 12);
const TRANSPORT = process.env.TRANSPORT ?? 'xhr-streaming';
const WAIT_S = Number(process.env.WAIT_S ?? 60);
const run = Date.now().toString(36);
const { browser, context, page } = await openPage();
const sends = [];
const sizes = [];
page.on('request', (request) => {
  if (new URL(request.url()).pathname.endsWith('/xhr_send')) {
    sizes.push((request.postData() ?? '').length);
  }
});
page.on('response', (response) => {
  if (new URL(response.url()).pathname.endsWith('/xhr_send')) {
    sends.push(response.status());
  }
});
let failed = false;
try {
  await page.goto(`${BASE_URL}/?transport=${TRANSPORT}`);
  await page.fill('#user-name', `backlog-${run}`);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#status[data-status=connected]', { timeout: 30_000 });
  await page.fill('#create-members', `peer-${run}`);
  await page.click('#create-form button[type=submit]');
  await page.waitForSelector('#conversations li[aria-selected=true]', { timeout: 30_000 });
  console.log(`connected over ${await page.evaluate(() => document.body.dataset.transport)}`);

  await context.setOffline(true);
  await page.waitForSelector('#status:not([data-status=connected])', { timeout: 60_000 });
  const bodies = Array.from({ length: N }, (_, i) => `${i + 1}:` + '\u0001'.repeat(4000));
  for (const body of bodies) {
    await page.fill('#message-input', body);
    await page.press('#message-input', 'Enter');
  }
  console.log(`wrote ${N} messages offline`);
  await context.setOffline(false);
  const started = Date.now();
  let connects = 0;
  let last = '';
  for (;;) {
    const seen = await page.evaluate(() => ({
      status: document.getElementById('status').dataset.status,
      pending: document.querySelectorAll('#message-list li.pending').length,
      failed: document.querySelectorAll('#message-list .tick[data-receipt=failed]').length,
      stored: [...document.querySelectorAll('#message-list li.message[data-seq]')]
        .map((li) => [Number(li.dataset.seq), li.querySelector('.body').textContent.split(':')[0]]),
    }));
    if (seen.status === 'connected' && last !== 'connected') {
      connects++;
    }
    last = seen.status;
    if (seen.failed > 0) {
      throw new Error(`${seen.failed} messages marked failed`);
    }
    if (seen.pending === 0) {
      const order = seen.stored.sort((a, b) => a[0] - b[0]).map(([, n]) => n).join(',');
      const want = bodies.map((_, i) => String(i + 1)).join(',');
      if (order !== want) {
        throw new Error(`stored in the order ${order}, want ${want}`);
      }
      console.log(`xhr_send bodies: max ${Math.max(0, ...sizes)} characters, ${sizes.length} posts`);
      console.log(`all ${N} stored in order ${Date.now() - started} ms after going back online; connected ${connects}`
        + ` time(s); xhr_send answers: ${summary(sends)}`);
      break;
    }
    if (Date.now() - started > WAIT_S * 1000) {
      console.log(`xhr_send bodies: max ${Math.max(0, ...sizes)} characters, ${sizes.length} posts`);
      throw new Error(`${seen.pending} of ${N} still pending after ${WAIT_S} s; connected ${connects} time(s);`
        + ` xhr_send answers: ${summary(sends)}`);
    }
    await page.waitForTimeout(250);
  }
} catch (e) {
  failed = true;
  console.log(`FAILED: ${e.message}`);
}
await browser.close();
process.exit(failed ? 1 : 0);

function summary(statuses) {
  const counts = {};
  statuses.forEach((s) => { counts[s] = (counts[s] ?? 0) + 1; });
  return JSON.stringify(counts);
}
