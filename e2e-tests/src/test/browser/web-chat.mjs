// Two users chat through chat-gateway's web page in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core; no browser is ever downloaded). Alice runs over WebSocket; Bob's page has
// no WebSocket at all and is told to use SockJS xhr-polling (long polling). Run by e2e-tests'
// WebChatBrowserIntegrationTests; exits non-zero, with screenshots of both pages, on the first failure.
//
// Environment: BASE_URL (the gateway), ALICE, BOB (fresh user names), HISTORY_CONVERSATION and
// HISTORY_COUNT (a group of Alice, Bob and another member holding that many messages, seq 1..N; without
// HISTORY_CONVERSATION a third user creates that group and sends them through the page, paced under the
// default per-user send rate), SCREENSHOTS (a directory), CHROMIUM (default /usr/bin/chromium),
// EXPECT_RECEIPTS (1: assert read ticks), PAGE_SOURCES (optional: serve the page's own files from this
// directory, e.g. chat-gateway/src/main/resources/static, to try page changes without rebuilding the gateway).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    throw new Error(`${name} is not set`);
  }
  return value;
};
const BASE_URL = env('BASE_URL');
const ALICE = env('ALICE');
const BOB = env('BOB');
let HISTORY = process.env.HISTORY_CONVERSATION;
const HISTORY_COUNT = Number(env('HISTORY_COUNT', '65'));
const SCREENSHOTS = env('SCREENSHOTS');
const EXPECT_RECEIPTS = env('EXPECT_RECEIPTS', '0') === '1';
const WAIT = 30_000;
// Step 8's backlog: 40 messages of ~28,000 characters each as SockJS sends them, 1.1 MB together.
const BACKLOG = 40;
const BACKLOG_WAIT = 120_000;
// Step 9's slow uplink: every xhr_send POST held this long, 4 such messages in each of 3 groups (~113,000 characters
// a group), and the most one POST may carry: the page's send window (128 Ki characters) plus room for the receipts
// and heart-beats that join it. Without the window, the sends of several 500 ms passes joined one POST (~340,000).
const UPLINK_DELAY_MS = 1500;
const UPLINK_GROUPS = 3;
const UPLINK_MESSAGES = 4;
const MAX_POST_CHARS = 128 * 1024 + 8 * 1024;

mkdirSync(SCREENSHOTS, { recursive: true });
const started = Date.now();
const step = (text) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${text}`);

const browser = await chromium.launch({
  executablePath: env('CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  // The machine's closed network refuses Chromium's background connections: keep them off.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    // A page fulfilled by the test (PAGE_SOURCES) has no address of its own, so Chromium's local network
    // access checks would block its WebSocket to localhost; the page as the gateway serves it needs nothing.
    ...(process.env.PAGE_SOURCES ? ['--disable-features=LocalNetworkAccessChecks'] : [])],
});
const pages = {};
const shot = async (name) => {
  for (const [who, page] of Object.entries(pages)) {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${who}.png`), fullPage: true });
  }
};

async function open(who, { withoutWebSocket, query }) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  if (withoutWebSocket) {
    // As on a network that blocks WebSocket upgrades: the page has to fall back to HTTP.
    await context.addInitScript(() => {
      Object.defineProperty(window, 'WebSocket', { value: undefined, configurable: true, writable: true });
    });
  }
  if (process.env.PAGE_SOURCES) {
    const origin = new URL(BASE_URL).origin;
    await context.route((url) => url.origin === origin && (url.pathname === '/' || url.pathname.startsWith('/chat/')),
      (route) => {
        const path = new URL(route.request().url()).pathname;
        return route.fulfill({ path: join(process.env.PAGE_SOURCES, path === '/' ? 'index.html' : path) });
      });
  }
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && console.log(`  [${who} console] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`  [${who} page error] ${e.message}`));
  pages[who] = page;
  await page.goto(`${BASE_URL}/${query}`);
  return { context, page };
}

async function signIn(page, user) {
  await page.fill('#user-name', user);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForSelector('#status[data-status=connected]', { timeout: WAIT });
}

const expectTrue = async (page, fn, arg, what) => {
  try {
    await page.waitForFunction(fn, arg, { timeout: WAIT });
  } catch (e) {
    throw new Error(`${what}: not within ${WAIT / 1000} s`);
  }
};
const conversationItem = (title) => `#conversations li[data-title="${title}"]`;
const messageWithText = (text) => `#message-list li.message:has-text("${text}")`;

/** A group of Alice, Bob and Carol with HISTORY_COUNT messages from Carol, made through the page. */
async function seedHistory() {
  const carol = await open('carol', { withoutWebSocket: false, query: '' });
  await signIn(carol.page, `${ALICE}-carol`);
  await carol.page.fill('#create-members', `${ALICE}, ${BOB}`);
  await carol.page.fill('#create-name', 'history');
  await carol.page.click('#create-form button[type=submit]');
  await carol.page.waitForSelector('#conversations li[aria-selected=true]', { timeout: WAIT });
  for (let i = 1; i <= HISTORY_COUNT; i++) {
    await carol.page.fill('#message-input', `message ${i} of ${HISTORY_COUNT}`);
    await carol.page.press('#message-input', 'Enter');
    await carol.page.waitForTimeout(210);
  }
  await carol.page.waitForSelector(`#message-list li.message[data-seq="${HISTORY_COUNT}"]`, { timeout: WAIT });
  const id = await carol.page.$eval('#conversations li[aria-selected=true]', (li) => li.dataset.id);
  delete pages.carol;
  await carol.context.close();
  return id;
}

try {
  if (!HISTORY) {
    step(`a third user starts a group with alice and bob and sends ${HISTORY_COUNT} messages`);
    HISTORY = await seedHistory();
  }
  const alice = await open('alice', { withoutWebSocket: false, query: '' });
  const bob = await open('bob', { withoutWebSocket: true, query: '?transport=xhr-polling' });

  step('both sign in by user name');
  await signIn(alice.page, ALICE);
  await signIn(bob.page, BOB);
  const aliceTransport = await alice.page.evaluate(() => document.body.dataset.transport);
  const bobTransport = await bob.page.evaluate(() => document.body.dataset.transport);
  const bobHasWebSocket = await bob.page.evaluate(() => typeof window.WebSocket !== 'undefined');
  step(`alice connected over ${aliceTransport}, bob over ${bobTransport} (WebSocket in bob's page: ${bobHasWebSocket})`);
  if (aliceTransport !== 'websocket' || bobTransport !== 'xhr-polling' || bobHasWebSocket) {
    throw new Error(`transports: alice ${aliceTransport} (want websocket), bob ${bobTransport} (want xhr-polling)`);
  }
  await shot('01-signed-in');

  step('alice starts a direct conversation with bob and sends');
  await alice.page.fill('#create-members', BOB);
  await alice.page.click('#create-form button[type=submit]');
  await alice.page.waitForSelector(`${conversationItem(BOB)}[aria-selected=true]`, { timeout: WAIT });
  await alice.page.fill('#message-input', 'hello bob');
  await alice.page.press('#message-input', 'Enter');
  await alice.page.waitForSelector(`${messageWithText('hello bob')}[data-seq="1"] .tick`, { timeout: WAIT });

  step('bob sees the new conversation with one unread message, and alice online');
  await bob.page.waitForSelector(`${conversationItem(ALICE)} .unread[data-count="1"]`, { timeout: WAIT });
  await bob.page.waitForSelector(`${conversationItem(ALICE)} .presence[data-status=online]`, { timeout: WAIT });
  await alice.page.waitForSelector(`${conversationItem(BOB)} .presence[data-status=online]`, { timeout: WAIT });
  await shot('02-unread');

  step('bob opens it: the message is there, the unread count is gone');
  await bob.page.click(conversationItem(ALICE));
  await bob.page.waitForSelector(messageWithText('hello bob'), { timeout: WAIT });
  await bob.page.waitForSelector(`${conversationItem(ALICE)} .unread[data-count="0"]`,
    { state: 'attached', timeout: WAIT });

  step('bob types: alice sees it; bob sends: alice receives it and the indicator clears');
  // Bob keeps typing, as people do (the page sends a typing frame at most every 2.5 s): the gateway relays
  // typing once it has read Bob's conversations again, which it does at most every 10 s per user, so in a
  // conversation created seconds after Bob connected the first frames may be refused.
  await bob.page.click('#message-input');
  const aliceSeesTyping = () => alice.page.evaluate(
    (who) => document.getElementById('typing').textContent.includes(`${who} is typing`), BOB);
  let typed = 0;
  while (!(await aliceSeesTyping()) && typed < 60) {
    await bob.page.keyboard.type('.');
    typed += 1;
    await bob.page.waitForTimeout(500);
  }
  if (!(await aliceSeesTyping())) {
    throw new Error(`the typing indicator at alice: not after ${typed} keystrokes over ${typed / 2} s`);
  }
  step(`alice saw bob typing after ${typed} keystrokes`);
  await bob.page.fill('#message-input', 'hi alice');
  await bob.page.press('#message-input', 'Enter');
  await alice.page.waitForSelector(`${messageWithText('hi alice')}[data-seq="2"]`, { timeout: WAIT });
  await expectTrue(alice.page, () => document.getElementById('typing').textContent === '', null,
    'the typing indicator cleared by the message');
  await bob.page.waitForSelector(`${messageWithText('hi alice')}[data-seq="2"] .tick`, { timeout: WAIT });

  if (EXPECT_RECEIPTS) {
    step('read ticks: bob read alice\'s message, alice read bob\'s');
    await alice.page.waitForSelector(`${messageWithText('hello bob')} .tick[data-receipt=read]`, { timeout: WAIT });
    await bob.page.waitForSelector(`${messageWithText('hi alice')} .tick[data-receipt=read]`, { timeout: WAIT });
  } else {
    step('receipts not expected: alice\'s message shows the sent tick');
    await alice.page.waitForSelector(`${messageWithText('hello bob')} .tick[data-receipt]`, { timeout: WAIT });
  }
  await shot('03-conversation');

  step(`bob opens the group with ${HISTORY_COUNT} messages and scrolls back to the first`);
  await bob.page.click(`#conversations li[data-id="${HISTORY}"]`);
  await bob.page.waitForSelector(`#message-list li.message[data-seq="${HISTORY_COUNT}"]`, { timeout: WAIT });
  const firstPage = await bob.page.$$eval('#message-list li.message', (items) => items.length);
  if (firstPage >= HISTORY_COUNT) {
    throw new Error(`the first page already held ${firstPage} of ${HISTORY_COUNT} messages: nothing to scroll for`);
  }
  for (let i = 0; i < 20; i++) {
    if (await bob.page.$('#message-list li.message[data-seq="1"]')) {
      break;
    }
    await bob.page.$eval('#messages', (box) => { box.scrollTop = 0; });
    await bob.page.waitForTimeout(500);
  }
  const seqs = await bob.page.$$eval('#message-list li.message', (items) => items.map((li) => Number(li.dataset.seq)));
  const expected = Array.from({ length: HISTORY_COUNT }, (_, i) => i + 1);
  if (JSON.stringify(seqs) !== JSON.stringify(expected)) {
    throw new Error(`history after scrolling: seqs ${JSON.stringify(seqs)}, want 1..${HISTORY_COUNT} in order`);
  }
  step(`history: first page ${firstPage} messages, all ${HISTORY_COUNT} after scrolling, in order`);
  await shot('04-history');

  step('bob loses the network; alice sends meanwhile; bob comes back and catches up');
  await bob.page.click(conversationItem(ALICE));
  await bob.page.waitForSelector(messageWithText('hi alice'), { timeout: WAIT });
  await bob.context.setOffline(true);
  await bob.page.waitForSelector('#status:not([data-status=connected])', { timeout: WAIT });
  await alice.page.fill('#message-input', 'while you were offline');
  await alice.page.press('#message-input', 'Enter');
  await alice.page.waitForSelector(`${messageWithText('while you were offline')}[data-seq="3"]`, { timeout: WAIT });
  await bob.page.waitForTimeout(2000);
  if (await bob.page.$(messageWithText('while you were offline'))) {
    throw new Error('bob received a message while offline: the network was not cut');
  }
  await shot('05-offline');
  await bob.context.setOffline(false);
  await bob.page.waitForSelector('#status[data-status=connected]', { timeout: WAIT });
  await bob.page.waitForSelector(`${messageWithText('while you were offline')}[data-seq="3"]`, { timeout: WAIT });
  const bobAfter = await bob.page.evaluate(() => document.body.dataset.transport);
  if (bobAfter !== 'xhr-polling') {
    throw new Error(`bob reconnected over ${bobAfter}, want xhr-polling`);
  }
  step('bob reconnected over xhr-polling and caught up');
  await shot('06-reconnected');

  step('alice sends the longest message the page takes, of the character JSON escapes most: it arrives whole');
  // 4,000 control characters: 24,000 characters in the STOMP frame's JSON (\u0001) and 28,000 once SockJS
  // escapes the frame again (\\u0001), past the 16,640 characters the container's buffer held for a session
  // (SockJS over WebSocket took a message only whole, and closed the connection on this one until the gateway
  // joined its parts below SockJS).
  const escaped = '\u0001'.repeat(4000);
  await alice.page.fill('#message-input', escaped);
  await alice.page.press('#message-input', 'Enter');
  const bodyOf = (seq) => `#message-list li.message[data-seq="${seq}"] .body`;
  await alice.page.waitForSelector(`${bodyOf(4)}`, { timeout: WAIT });
  await bob.page.waitForSelector(`${bodyOf(4)}`, { timeout: WAIT });
  for (const [who, page] of [['alice', alice.page], ['bob', bob.page]]) {
    const body = await page.$eval(bodyOf(4), (span) => span.textContent);
    if (body !== escaped) {
      throw new Error(`${who}'s page shows seq 4 as ${body.length} characters, want the 4,000 sent`);
    }
  }
  const aliceAfter = await alice.page.evaluate(() => document.body.dataset.transport);
  if (aliceAfter !== 'websocket') {
    throw new Error(`alice is on ${aliceAfter} after the long message, want websocket`);
  }
  await shot('07-long-message');

  step(`bob, on xhr-polling, writes ${BACKLOG} long messages offline, past the gateway's 1 MB body limit as one POST: `
    + 'back online, all are stored in order');
  // Each is ~28,000 characters as SockJS sends it: sent together after the reconnect they made one xhr_send body
  // over the gateway's request body limit, refused with 413, which closed the session, and the page reconnected
  // and sent it all again, reconnecting each time. The page's send window holds them back (~4 at a time).
  await bob.context.setOffline(true);
  await bob.page.waitForSelector('#status:not([data-status=connected])', { timeout: WAIT });
  for (let i = 1; i <= BACKLOG; i++) {
    await bob.page.fill('#message-input', `${i}:${escaped}`);
    await bob.page.press('#message-input', 'Enter');
  }
  const refused = [];
  bob.page.on('response', (response) => {
    if (new URL(response.url()).pathname.endsWith('/xhr_send') && response.status() !== 204) {
      refused.push(response.status());
    }
  });
  await bob.page.evaluate(() => {
    const status = document.getElementById('status');
    window.connects = 0;
    new MutationObserver(() => {
      if (status.dataset.status === 'connected' && status.dataset.counted !== 'yes') {
        window.connects += 1;
      }
      status.dataset.counted = (status.dataset.status === 'connected') ? 'yes' : 'no';
    }).observe(status, { attributes: true, attributeFilter: ['data-status'] });
  });
  const reconnected = Date.now();
  await bob.context.setOffline(false);
  const backlogSeqs = Array.from({ length: BACKLOG }, (_, i) => 5 + i);
  await bob.page.waitForSelector(`#message-list li.message[data-seq="${4 + BACKLOG}"]`, { timeout: BACKLOG_WAIT });
  const stored = await bob.page.$$eval('#message-list li.message[data-seq]', (items) => items
    .map((li) => [Number(li.dataset.seq), li.querySelector('.body').textContent.split(':')[0]]));
  const backlogOrder = stored.filter(([seq]) => seq >= 5).sort((a, b) => a[0] - b[0]);
  const wantOrder = backlogSeqs.map((seq, i) => [seq, String(i + 1)]);
  if (JSON.stringify(backlogOrder) !== JSON.stringify(wantOrder)) {
    throw new Error(`bob's backlog stored as ${JSON.stringify(backlogOrder.map(([seq, n]) => `${seq}:${n}`))}`);
  }
  await bob.page.waitForSelector('#message-list li.pending', { state: 'detached', timeout: WAIT });
  const connects = await bob.page.evaluate(() => window.connects);
  if (refused.length > 0 || connects !== 1) {
    throw new Error(`bob's page connected ${connects} times to send the backlog, and xhr_send was answered `
      + `${JSON.stringify(refused)}: it was sent in POSTs over the body limit`);
  }
  step(`all ${BACKLOG} stored in order ${Date.now() - reconnected} ms after bob went back online`);
  await shot('08-backlog');

  step(`bob, on a slow uplink (every POST held ${UPLINK_DELAY_MS} ms), writes ${UPLINK_MESSAGES} long messages in each `
    + `of ${UPLINK_GROUPS} groups offline: back online, all are stored in order and no POST carries more than the `
    + 'send window');
  // While a POST is out, SockJS queues what the page sends for the next one, so the bound per POST is how much
  // the page lets be sent and not yet answered, whatever the conversations; until 2026-12-06 each conversation's
  // messages went together and a pass every 500 ms sent up to 128 Ki, so a slow POST was followed by one of several
  // passes (past the gateway's 1 MB limit with enough conversations or a slow enough uplink: 413, reconnect, again).
  const groups = [];
  for (let g = 1; g <= UPLINK_GROUPS; g++) {
    await bob.page.fill('#create-members', ALICE);
    await bob.page.fill('#create-name', `uplink ${g}`);
    await bob.page.click('#create-form button[type=submit]');
    await bob.page.waitForSelector(`${conversationItem(`uplink ${g}`)}[aria-selected=true]`, { timeout: WAIT });
    // Opened once the message field has the focus (the page moves it there last): typing into the form before
    // that would lose the text to the message field
    await expectTrue(bob.page, (name) => document.activeElement?.id === 'message-input'
      && document.getElementById('conversation-title').textContent === name, `uplink ${g}`, `uplink ${g} opened`);
    groups.push(await bob.page.$eval(conversationItem(`uplink ${g}`), (li) => li.dataset.id));
  }
  await bob.context.setOffline(true);
  await bob.page.waitForSelector('#status:not([data-status=connected])', { timeout: WAIT });
  for (const id of groups) {
    await bob.page.click(`#conversations li[data-id="${id}"]`);
    for (let i = 1; i <= UPLINK_MESSAGES; i++) {
      await bob.page.fill('#message-input', `${i}:${escaped}`);
      await bob.page.press('#message-input', 'Enter');
    }
  }
  const posts = [];
  const xhrSend = (url) => url.pathname.endsWith('/xhr_send');
  await bob.context.route(xhrSend, async (route) => {
    posts.push((route.request().postData() ?? '').length);
    await new Promise((resolve) => setTimeout(resolve, UPLINK_DELAY_MS));
    // A POST held when the route is removed went on without it
    await route.continue().catch((error) => {
      if (!/already handled/.test(error.message)) {
        throw error;
      }
    });
  });
  await bob.page.evaluate(() => { window.connects = 0; });
  const uplinkStarted = Date.now();
  await bob.context.setOffline(false);
  const storedIn = () => bob.page.evaluate(async (ids) => {
    const headers = { Authorization: `Bearer ${sessionStorage.getItem('blueprint.chat.token')}` };
    const all = [];
    for (const id of ids) {
      const res = await fetch(`/api/v1/conversations/${id}/messages?after=0&limit=200`, { headers });
      all.push(res.ok ? (await res.json()).map((m) => m.body.split(':')[0]).join(',') : `HTTP ${res.status}`);
    }
    return all;
  }, groups);
  const wantEach = Array.from({ length: UPLINK_MESSAGES }, (_, i) => String(i + 1)).join(',');
  let uplinkStored = await storedIn();
  while (!uplinkStored.every((order) => order === wantEach) && Date.now() - uplinkStarted < BACKLOG_WAIT) {
    await bob.page.waitForTimeout(500);
    uplinkStored = await storedIn();
  }
  await bob.context.unroute(xhrSend);
  const uplinkConnects = await bob.page.evaluate(() => window.connects);
  const largest = Math.max(0, ...posts);
  if (!uplinkStored.every((order) => order === wantEach)) {
    throw new Error(`over the slow uplink, bob's groups hold ${JSON.stringify(uplinkStored)}, want ${wantEach} in each`);
  }
  if (largest > MAX_POST_CHARS || refused.length > 0 || uplinkConnects !== 1) {
    throw new Error(`over the slow uplink, the largest xhr_send body was ${largest} characters (at most `
      + `${MAX_POST_CHARS}), bob's page connected ${uplinkConnects} times, xhr_send refusals ${JSON.stringify(refused)}`);
  }
  step(`all ${UPLINK_GROUPS * UPLINK_MESSAGES} stored in order ${Date.now() - uplinkStarted} ms after bob went back `
    + `online, in ${posts.length} POSTs of at most ${largest} characters`);
  await shot('09-slow-uplink');

  step("bob's token is refused when he reconnects: the page signs out, keeps what he wrote offline, and sends it "
    + 'once he signs in again');
  // Until 2026-12-06 a refused CONNECT got no answer at all (the page waited), and signing out lost the messages
  const keptIn = groups[groups.length - 1];
  await bob.context.setOffline(true);
  await bob.page.waitForSelector('#status:not([data-status=connected])', { timeout: WAIT });
  const kept = ['kept 1', 'kept 2'];
  for (const text of kept) {
    await bob.page.fill('#message-input', text);
    await bob.page.press('#message-input', 'Enter');
  }
  const refusedConnects = [];
  await bob.context.route(xhrSend, async (route) => {
    const body = route.request().postData() ?? '';
    if (!body.includes('CONNECT')) {
      return route.continue();
    }
    // A token the gateway refuses, as an expired one would be
    refusedConnects.push(body.length);
    return route.continue({ postData: body.replace('Bearer ', 'Bearer x') });
  });
  await bob.context.setOffline(false);
  await bob.page.waitForSelector('#sign-in-form', { state: 'visible', timeout: WAIT });
  await bob.context.unroute(xhrSend);
  if (refusedConnects.length === 0) {
    throw new Error('bob signed out without a refused CONNECT');
  }
  await signIn(bob.page, BOB);
  const keptStored = async () => bob.page.evaluate(async (id) => {
    const headers = { Authorization: `Bearer ${sessionStorage.getItem('blueprint.chat.token')}` };
    const res = await fetch(`/api/v1/conversations/${id}/messages?after=0&limit=200`, { headers });
    return res.ok ? (await res.json()).map((m) => m.body).filter((body) => body.startsWith('kept ')) : [];
  }, keptIn);
  const keptStarted = Date.now();
  let keptNow = await keptStored();
  while (keptNow.length < kept.length && Date.now() - keptStarted < WAIT) {
    await bob.page.waitForTimeout(500);
    keptNow = await keptStored();
  }
  if (JSON.stringify(keptNow) !== JSON.stringify(kept)) {
    throw new Error(`after signing in again, bob's kept messages are stored as ${JSON.stringify(keptNow)}`);
  }
  step(`both stored in order ${Date.now() - keptStarted} ms after bob signed in again`);
  await shot('10-kept-across-sign-in');

  step('web chat scenario passed');
  await browser.close();
} catch (e) {
  console.log(`FAILED: ${e.stack || e}`);
  await shot('failure').catch(() => {});
  await browser.close();
  process.exit(1);
}
