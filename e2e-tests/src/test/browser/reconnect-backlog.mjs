// A check by hand, not run by the build: a page on an XHR transport goes offline, its user writes messages the
// page cannot send, and when the page is back they must all be stored, in the order written. The SockJS client
// sends what was queued while a POST was out in one `xhr_send` body; past the gateway's request body limit
// (`blueprint.web.max-request-body`) that body is refused with 413, and the SockJS client then closes the session.
//
// Against a stack whose gateway has a small body limit, e.g.
//   BLUEPRINT_WEB_MAX_REQUEST_BODY=96KB ./suite up -d
//   cd e2e-tests/src/test/browser && npm ci && BASE_URL=http://localhost:8083 N=12 node reconnect-backlog.mjs
// Each message is 4,000 U+0001 characters (~28,000 once JSON-escaped twice), so 12 of them are ~340 KB.
// CONVERSATIONS (default 1) spreads the backlog over that many conversations, N messages in each; UPLINK_DELAY_MS
// holds every `xhr_send` POST that long before it leaves, as on a slow uplink, so that what the page sends
// meanwhile queues for the next POST (e.g. CONVERSATIONS=6 N=4 UPLINK_DELAY_MS=1500 TRANSPORT=xhr-polling against
// the default limit: the largest POST is what to look at).
// PAGE_SOURCES serves the page's own files instead of the gateway's, as in send-burst.mjs. Exits non-zero when a
// message is lost, failed or out of order within the time allowed.
import { BASE_URL, openPage } from './by-hand.mjs';

const N = Number(process.env.N ?? 12);
const TRANSPORT = process.env.TRANSPORT ?? 'xhr-streaming';
const WAIT_S = Number(process.env.WAIT_S ?? 60);
const CONVERSATIONS = Number(process.env.CONVERSATIONS ?? 1);
const UPLINK_DELAY_MS = Number(process.env.UPLINK_DELAY_MS ?? 0);
const run = Date.now().toString(36);
const { browser, context, page } = await openPage();
if (UPLINK_DELAY_MS > 0) {
  await context.route((url) => url.pathname.endsWith('/xhr_send'), async (route) => {
    await new Promise((resolve) => setTimeout(resolve, UPLINK_DELAY_MS));
    await route.continue();
  });
}
const sends = [];
const sizes = [];
page.on('request', (request) => {
  if (new URL(request.url()).pathname.endsWith('/xhr_send')) {
    sizes.push((request.postData() ?? '').length);
    if (process.env.VERBOSE) {
      const frames = (request.postData() ?? '').split('SEND').length - 1;
      console.log(`${Date.now() % 100000} POST ${sizes.at(-1)} chars, ${frames} SEND`);
    }
  }
});
page.on('response', (response) => {
  if (new URL(response.url()).pathname.endsWith('/xhr_send')) {
    sends.push(response.status());
    if (process.env.VERBOSE) {
      console.log(`${Date.now() % 100000} POST answered ${response.status()}`);
    }
  } else if (process.env.VERBOSE && new URL(response.url()).pathname.endsWith('/xhr')) {
    response.text().then((text) => console.log(`${Date.now() % 100000} poll: ${text.split('queue/acks').length - 1} acks`),
      () => {});
  }
});
let failed = false;
try {
  await page.goto(`${BASE_URL}/?transport=${TRANSPORT}`);
  await page.fill('#user-name', `backlog-${run}`);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#status[data-status=connected]', { timeout: 30_000 });
  const ids = [];
  for (let c = 1; c <= CONVERSATIONS; c++) {
    await page.fill('#create-members', `peer-${run}-${c}`);
    await page.click('#create-form button[type=submit]');
    await page.waitForSelector(`#conversations li[aria-selected=true][data-title="peer-${run}-${c}"]`,
      { timeout: 30_000 });
    // opened once the message field has the focus (the page moves it there last)
    await page.waitForFunction((name) => document.activeElement?.id === 'message-input'
      && document.getElementById('conversation-title').textContent === name, `peer-${run}-${c}`, { timeout: 30_000 });
    ids.push(await page.$eval('#conversations li[aria-selected=true]', (li) => li.dataset.id));
  }
  console.log(`connected over ${await page.evaluate(() => document.body.dataset.transport)}`);

  await context.setOffline(true);
  await page.waitForSelector('#status:not([data-status=connected])', { timeout: 60_000 });
  const bodies = Array.from({ length: N }, (_, i) => `${i + 1}:` + '\u0001'.repeat(4000));
  for (const id of ids) {
    await page.click(`#conversations li[data-id="${id}"]`);
    for (const body of bodies) {
      await page.fill('#message-input', body);
      await page.press('#message-input', 'Enter');
    }
  }
  console.log(`wrote ${N} messages offline in each of ${CONVERSATIONS} conversation(s)`);
  await context.setOffline(false);
  const started = Date.now();
  let connects = 0;
  let last = '';
  for (;;) {
    const seen = await page.evaluate(async (conversations) => {
      const headers = { Authorization: `Bearer ${sessionStorage.getItem('blueprint.chat.token')}` };
      const stored = [];
      for (const id of conversations) {
        const res = await fetch(`/api/v1/conversations/${id}/messages?after=0&limit=200`, { headers });
        stored.push((res.ok ? await res.json() : []).map((m) => [m.seq, m.body.split(':')[0]]));
      }
      return {
        status: document.getElementById('status').dataset.status,
        failed: document.querySelectorAll('#message-list .tick[data-receipt=failed]').length,
        stored,
      };
    }, ids);
    if (seen.status === 'connected' && last !== 'connected') {
      connects++;
    }
    last = seen.status;
    if (seen.failed > 0) {
      throw new Error(`${seen.failed} messages marked failed`);
    }
    const want = bodies.map((_, i) => String(i + 1)).join(',');
    if (seen.stored.every((messages) => messages.length >= N)) {
      seen.stored.forEach((messages, c) => {
        const order = messages.map(([, n]) => n).join(',');
        if (order !== want) {
          throw new Error(`conversation ${c + 1} stored in the order ${order}, want ${want}`);
        }
      });
      console.log(`xhr_send bodies: max ${Math.max(0, ...sizes)} characters, ${sizes.length} posts`);
      console.log(`all ${N * CONVERSATIONS} stored in order ${Date.now() - started} ms after going back online;`
        + ` connected ${connects} time(s); xhr_send answers: ${summary(sends)}`);
      break;
    }
    if (Date.now() - started > WAIT_S * 1000) {
      console.log(`xhr_send bodies: max ${Math.max(0, ...sizes)} characters, ${sizes.length} posts`);
      const stored = seen.stored.reduce((all, messages) => all + messages.length, 0);
      throw new Error(`${stored} of ${N * CONVERSATIONS} stored after ${WAIT_S} s; connected ${connects} time(s);`
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
