// Blueprint's web chat page: STOMP over SockJS to this gateway, REST through this gateway
// (forwarded to chat-message-service and presence-service). The protocol is docs/chat-protocol.md.
// Globals from the vendored libraries: SockJS (sockjs-client), StompJs (@stomp/stompjs).

const PAGE_SIZE = 30;
const TYPING_EVERY_MS = 2500;
const TYPING_SHOWN_MS = 5000;
const TOKEN_KEY = 'blueprint.chat.token';
// Messages written and not yet stored when a refused token signed the page out, per user: sent when that user signs
// in again in this tab
const UNSENT_KEY = 'blueprint.chat.unsent';
// A send with neither an ack nor an error this long is sent again the first time (rule 4: acks can be lost too).
const ACK_TIMEOUT_MS = 10000;
// After a `retry` or `rate-limited` error the message is sent again after this long.
const RETRY_AFTER_MS = 1000;
// Each further wait doubles, up to this, and is drawn between all and one and a half times it (jitter), so pages
// that lost the same gateway or Kafka do not all send again in step, and a long stall does not use up the send rate.
const RESEND_MAX_MS = 60000;
// The send window: the most the page's unanswered sends may weigh together, in characters as SockJS sends them. A
// send counts from when it is made until its ack or error comes, the session ends, or ACK_TIMEOUT_MS pass; a message
// is sent only when it fits (or when nothing is out). SockJS's XHR transports put everything sent while a POST is out
// into the next POST, and a POST past the gateway's request body limit (1 MB) is refused, which closes the session:
// after a reconnect with a large backlog the page sent it all again and was refused again, reconnecting each time.
// No ack can come for a send still waiting for its POST, so a POST carries at most the window, unless the POST
// before it was out longer than ACK_TIMEOUT_MS (or one message weighs more than the window: it goes alone).
const SEND_WINDOW_CHARS = 128 * 1024;
// A reconnect waits 1 s plus up to this, at random: a gateway that stops closes all its sessions at once (1001), and
// its clients, all reconnecting a second later, reached the other instances as one burst of handshakes and history
// reads. The first connect does not wait.
const RECONNECT_JITTER_MS = 4000;

const $ = (id) => document.getElementById(id);

const state = {
  me: null,
  token: null,
  conversations: new Map(),
  openId: null,
  presence: new Map(),
  // clientMessageId -> {conversationId, body, error, sends, dueAt}, in the order they were written
  pending: new Map(),
  // Conversations whose messages go one at a time, each after the ack of the one before, since one of them was
  // refused with `retry` or `rate-limited` (sent together, a later one could be taken while an earlier one is
  // refused again). Back to sending at once when none is left unacked.
  oneAtATime: new Set(),
  // Sends not answered yet, {clientMessageId, chars, until}, oldest first: the send window's content
  // (SEND_WINDOW_CHARS), and their characters in all
  inFlight: [],
  inFlightChars: 0,
  client: null,
  sock: null,
  lastTypingSent: 0,
  loadingOlder: false,
  connectedBefore: false,
};

// ---------------------------------------------------------------- sign-in

function claims(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload));
  } catch (e) {
    return null;
  }
}

async function signInAs(user) {
  const res = await fetch('/api/v1/dev/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  if (res.ok) {
    return (await res.json()).token;
  }
  if (res.status === 404 || res.status === 401) {
    $('token-sign-in').open = true;
    throw new Error('Signing in by name is off on this gateway (it is a local-stack feature): use a token.');
  }
  const problem = await res.json().catch(() => ({}));
  throw new Error(problem.detail || `Sign-in failed (${res.status})`);
}

function start(token) {
  const c = claims(token);
  if (!c || !c.sub || (c.exp && c.exp * 1000 < Date.now())) {
    throw new Error('That token is not valid (or expired).');
  }
  state.token = token;
  state.me = c.sub;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('me').textContent = state.me;
  $('sign-in').hidden = true;
  $('chat').hidden = false;
  $('sign-out').hidden = false;
  document.body.dataset.state = 'signed-in';
  restoreUnsent();
  connect();
}

/** Signs out; `refused`: the gateway refused the token (expired), so what is not stored yet is kept. */
function signOut(refused = false) {
  if (refused) {
    keepUnsent();
  }
  sessionStorage.removeItem(TOKEN_KEY);
  if (state.client) {
    state.client.deactivate();
  }
  location.reload();
}

/** Every user's kept messages in this tab, {user: [{clientMessageId, conversationId, body}]}. */
function keptMessages() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(UNSENT_KEY) || '{}');
    return kept && typeof kept === 'object' && !Array.isArray(kept) ? kept : {};
  } catch {
    return {};
  }
}

/**
 * Keeps the messages not stored yet (nor refused for good) in this tab: a token refused on a reconnect (expired) signs
 * the page out, and what the user wrote offline would otherwise be lost. Added to what the user had kept before.
 */
function keepUnsent() {
  const unsent = [...state.pending]
    .filter(([, pending]) => !pending.error)
    .map(([clientMessageId, pending]) => ({ clientMessageId, conversationId: pending.conversationId, body: pending.body }));
  if (state.me && unsent.length > 0) {
    const kept = keptMessages();
    const before = Array.isArray(kept[state.me]) ? kept[state.me] : [];
    const ids = new Set(unsent.map((message) => message.clientMessageId));
    kept[state.me] = [...before.filter((message) => !ids.has(message.clientMessageId)), ...unsent];
    sessionStorage.setItem(UNSENT_KEY, JSON.stringify(kept));
  }
}

/** The signed-in user's kept messages go out again, with their clientMessageIds (stored once, rule 4). */
function restoreUnsent() {
  const kept = keptMessages();
  const mine = kept[state.me];
  if (!Array.isArray(mine)) {
    return;
  }
  for (const { clientMessageId, conversationId, body } of mine) {
    state.pending.set(clientMessageId, { conversationId, body, dueAt: 0 });
  }
  delete kept[state.me];
  sessionStorage.setItem(UNSENT_KEY, JSON.stringify(kept));
}

// ---------------------------------------------------------------- REST (through the gateway)

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${state.token}` };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) {
    signOut(true);
  }
  if (!res.ok) {
    const problem = await res.json().catch(() => ({}));
    const error = new Error(problem.detail || `${method} ${path}: ${res.status}`);
    error.status = res.status;
    throw error;
  }
  return res.status === 204 ? null : res.json();
}

// ---------------------------------------------------------------- conversations and messages

function conversationFrom(item) {
  let conv = state.conversations.get(item.id);
  if (!conv) {
    conv = {
      id: item.id, lastSeq: 0, unread: 0, loaded: false, messages: new Map(), oldest: null, newest: 0,
      hasOlder: true, receipts: new Map(), typing: new Map(), readSent: 0, deliveredSent: 0,
    };
    state.conversations.set(item.id, conv);
  }
  conv.type = item.type;
  conv.name = item.name;
  conv.members = item.members || conv.members || [];
  if (item.lastMessage) {
    conv.lastMessage = item.lastMessage;
  }
  conv.lastSeq = Math.max(conv.lastSeq, item.lastSeq || 0);
  conv.activeAt = item.lastMessage ? item.lastMessage.sentAt : (conv.activeAt || item.createdAt);
  if (typeof item.readSeq === 'number') {
    conv.readSent = Math.max(conv.readSent, item.readSeq);
  }
  // From the read watermark when the server keeps one; otherwise counted here, from live messages.
  conv.serverUnread = typeof item.unreadCount === 'number';
  if (conv.serverUnread) {
    conv.unread = item.unreadCount;
  }
  return conv;
}

function title(conv) {
  if (conv.type === 'direct') {
    return conv.members.find((m) => m !== state.me) || state.me;
  }
  return conv.name || conv.members.filter((m) => m !== state.me).join(', ');
}

function isOpenAndVisible(conv) {
  return state.openId === conv.id && document.visibilityState === 'visible';
}

/** Reads the conversation list and fills every gap of the loaded conversations (reconnect rule 1). */
async function catchUp() {
  const items = await api('GET', '/api/v1/conversations');
  for (const item of items) {
    const conv = conversationFrom(item);
    if (conv.loaded && conv.lastSeq > conv.newest) {
      const before = conv.newest;
      await fillAfter(conv);
      if (!conv.serverUnread && !isOpenAndVisible(conv)) {
        conv.unread += [...conv.messages.values()].filter((m) => m.seq > before && m.senderId !== state.me).length;
      }
      markDelivered(conv, conv.newest);
    }
  }
  renderConversations();
  queryPresence();
  const open = state.conversations.get(state.openId);
  if (open) {
    renderMessages(open);
    markRead(open);
  }
}

/** Every message after the last one shown, page by page (reconnect rules 1 and 2). */
async function fillAfter(conv) {
  for (;;) {
    const page = await api('GET', `/api/v1/conversations/${conv.id}/messages?after=${conv.newest}&limit=200`);
    page.forEach((m) => store(conv, m));
    if (page.length < 200) {
      return;
    }
  }
}

function store(conv, m) {
  if (!conv.messages.has(m.seq) || conv.messages.get(m.seq).placeholder) {
    conv.messages.set(m.seq, m);
  }
  if (conv.oldest === null || m.seq < conv.oldest) {
    conv.oldest = m.seq;
  }
  while (conv.messages.has(conv.newest + 1)) {
    conv.newest += 1;
  }
  if (conv.newest === 0 && conv.messages.size > 0) {
    // the first page of a conversation starts anywhere: contiguous from its oldest
    conv.newest = conv.oldest;
    while (conv.messages.has(conv.newest + 1)) {
      conv.newest += 1;
    }
  }
  if (m.seq >= conv.lastSeq) {
    conv.lastSeq = m.seq;
    conv.lastMessage = m;
    conv.activeAt = m.sentAt;
  }
  if (m.senderId !== state.me && !m.placeholder) {
    receipt(conv, m.senderId, 'read', m.seq); // a message from a member means they read up to it
  }
  for (const user of m.readBy || []) {
    receipt(conv, user, 'read', m.seq);
  }
  for (const user of m.deliveredTo || []) {
    receipt(conv, user, 'delivered', m.seq);
  }
}

function receipt(conv, user, type, seq) {
  const r = conv.receipts.get(user) || { deliveredSeq: 0, readSeq: 0 };
  if (type === 'read') {
    r.readSeq = Math.max(r.readSeq, seq);
    r.deliveredSeq = Math.max(r.deliveredSeq, seq);
  } else {
    r.deliveredSeq = Math.max(r.deliveredSeq, seq);
  }
  conv.receipts.set(user, r);
}

async function openConversation(id) {
  state.openId = id;
  const conv = state.conversations.get(id);
  $('conversation-title').textContent = title(conv);
  $('send-form').hidden = false;
  $('send-error').textContent = '';
  if (!conv.loaded) {
    const page = await api('GET', `/api/v1/conversations/${id}/messages?limit=${PAGE_SIZE}`);
    page.forEach((m) => store(conv, m));
    conv.hasOlder = page.length === PAGE_SIZE && conv.oldest > 1;
    conv.loaded = true;
    if (conv.lastSeq > conv.newest) {
      await fillAfter(conv);
    }
  }
  try {
    for (const r of await api('GET', `/api/v1/conversations/${id}/receipts`)) {
      receipt(conv, r.userId, 'delivered', r.deliveredSeq || 0);
      receipt(conv, r.userId, 'read', r.readSeq || 0);
    }
  } catch (e) {
    // receipts are an addition of the protocol; without them ticks stay at "sent"
  }
  renderConversations();
  renderMessages(conv, 'bottom');
  markRead(conv);
  $('message-input').focus();
}

/** History on scroll: the page of messages just before the oldest shown. */
async function loadOlder(conv) {
  if (state.loadingOlder || !conv.hasOlder || conv.oldest === null) {
    return;
  }
  state.loadingOlder = true;
  $('history-state').textContent = 'Loading older messages…';
  try {
    const page = await api('GET', `/api/v1/conversations/${conv.id}/messages?before=${conv.oldest}&limit=${PAGE_SIZE}`);
    page.forEach((m) => store(conv, m));
    conv.hasOlder = page.length === PAGE_SIZE && conv.oldest > 1;
    if (state.openId === conv.id) {
      renderMessages(conv, 'keep');
    }
  } finally {
    state.loadingOlder = false;
  }
}

function markRead(conv) {
  if (!isOpenAndVisible(conv)) {
    return;
  }
  conv.unread = 0;
  const seq = conv.loaded ? conv.newest : conv.lastSeq;
  markDelivered(conv, seq);
  if (seq > conv.readSent && state.client && state.client.connected) {
    conv.readSent = seq;
    publish(`/app/conversations/${conv.id}/read`, { seq });
  }
  renderConversations();
}

function markDelivered(conv, seq) {
  if (seq > conv.deliveredSent && state.client && state.client.connected) {
    conv.deliveredSent = seq;
    publish(`/app/conversations/${conv.id}/delivered`, { seq });
  }
}

// ---------------------------------------------------------------- live frames

async function onMessage(m) {
  let conv = state.conversations.get(m.conversationId);
  const known = Boolean(conv);
  if (!conv) {
    await catchUp(); // a conversation created by someone else
    conv = state.conversations.get(m.conversationId);
    if (!conv) {
      return;
    }
  }
  conv.typing.delete(m.senderId);
  const fromOther = m.senderId !== state.me;
  if (conv.loaded) {
    if (conv.messages.has(m.seq) && !conv.messages.get(m.seq).placeholder) {
      return; // duplicate (rule 3)
    }
    if (m.seq > conv.newest + 1) {
      await fillAfter(conv); // gap (rule 2)
    }
    store(conv, m);
  } else if (m.seq > conv.lastSeq) {
    conv.lastSeq = m.seq;
    conv.lastMessage = m;
    conv.activeAt = m.sentAt;
  } else if (known || conv.serverUnread) {
    return; // already counted
  }
  if (fromOther) {
    markDelivered(conv, m.seq);
    if (!isOpenAndVisible(conv)) {
      conv.unread += 1;
    }
  }
  if (state.openId === conv.id) {
    renderMessages(conv, 'bottom');
  }
  markRead(conv);
  renderConversations();
}

async function onAck(ack) {
  const pending = state.pending.get(ack.clientMessageId);
  state.pending.delete(ack.clientMessageId);
  answered(ack.clientMessageId, ack.conversationId);
  const conv = state.conversations.get(ack.conversationId);
  if (!conv) {
    return;
  }
  if (conv.loaded && !conv.messages.has(ack.seq)) {
    if (ack.seq > conv.newest + 1) {
      await fillAfter(conv);
    }
    if (!conv.messages.has(ack.seq) && pending) {
      store(conv, {
        conversationId: conv.id, seq: ack.seq, senderId: state.me, body: pending.body,
        sentAt: new Date().toISOString(), placeholder: true,
      });
    }
  }
  if (state.openId === conv.id) {
    renderMessages(conv, 'bottom');
  }
  renderConversations();
}

function onError(error) {
  if (!error.clientMessageId) {
    // From a typing or receipt frame: ephemeral, the next one will do (a conversation created seconds ago
    // can be refused until the gateway reads the user's conversations again, a gateway without receipts
    // answers unknown-destination).
    console.warn('frame refused', error.code, error.message);
    return;
  }
  const pending = error.clientMessageId && state.pending.get(error.clientMessageId);
  if (error.code === 'retry' || error.code === 'rate-limited') {
    // Not stored (or, after `retry`, maybe stored: the resend is then acked with its seq): send it again later.
    // Nothing to do if it was acked meanwhile (the answer to an earlier send of it).
    if (pending) {
      state.oneAtATime.add(pending.conversationId);
      pending.dueAt = Date.now() + backoff(RETRY_AFTER_MS, pending.sends);
      answered(error.clientMessageId, pending.conversationId);
    }
    return;
  }
  if (pending) {
    pending.error = error.code;
    answered(error.clientMessageId, pending.conversationId);
  }
  $('send-error').textContent = `${error.code}: ${error.message}`;
  const conv = state.conversations.get(state.openId);
  if (conv) {
    renderMessages(conv, 'keep');
  }
}

function onReceipt(r) {
  const conv = state.conversations.get(r.conversationId);
  if (!conv) {
    return;
  }
  if (r.userId === state.me) {
    // read on another of my devices
    if (r.type === 'read') {
      conv.readSent = Math.max(conv.readSent, r.seq);
      conv.unread = Math.max(0, Math.min(conv.unread, conv.lastSeq - r.seq));
      renderConversations();
    }
    return;
  }
  receipt(conv, r.userId, r.type, r.seq);
  if (state.openId === conv.id) {
    renderMessages(conv, 'keep');
  }
}

function onTyping(t) {
  const conv = state.conversations.get(t.conversationId);
  if (!conv) {
    return;
  }
  if (t.typing) {
    conv.typing.set(t.userId, Date.now() + TYPING_SHOWN_MS);
    setTimeout(renderTyping, TYPING_SHOWN_MS + 50);
  } else {
    conv.typing.delete(t.userId);
  }
  renderTyping();
}

function onPresence(p) {
  if (p.resync && Array.isArray(p.userIds)) {
    // new contacts (a conversation created or joined): their changes before the gateway knew were
    // not pushed; read theirs now
    queryPresence(p.userIds);
    return;
  }
  if (p.resync) {
    // the gateway may have missed changes (its Redis connection was lost): read them all again,
    // within 3 s, so that every page of every gateway does not ask at the same moment
    setTimeout(queryPresence, Math.random() * 3000);
    return;
  }
  state.presence.set(p.userId, p);
  renderConversations();
}

async function queryPresence(only) {
  const others = new Set();
  if (Array.isArray(only)) {
    only.forEach((m) => m !== state.me && others.add(m));
  } else {
    state.conversations.forEach((conv) => conv.members.forEach((m) => m !== state.me && others.add(m)));
  }
  const ids = [...others];
  for (let i = 0; i < ids.length; i += 100) {
    try {
      const answer = await api('POST', '/api/v1/presence/query', { userIds: ids.slice(i, i + 100) });
      answer.forEach((p) => state.presence.set(p.userId, p));
    } catch (e) {
      console.warn('presence', e.message);
    }
  }
  renderConversations();
}

// ---------------------------------------------------------------- sending

function publish(destination, body) {
  state.client.publish({ destination, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

function send(conv, body) {
  const clientMessageId = `web-${crypto.randomUUID()}`;
  // Due at once: sent now if the window has room, or as soon as it has (or the page is connected); in a
  // conversation sending one at a time, after the ones before it.
  state.pending.set(clientMessageId, { conversationId: conv.id, body, dueAt: 0 });
  resendDue();
  renderMessages(conv, 'bottom');
}

/** How much the unanswered sends weigh, in characters as SockJS sends them (forgetting those past their time). */
function inFlightChars() {
  // Every send has the same time, so the first to end are at the front
  const now = Date.now();
  let ended = 0;
  while (ended < state.inFlight.length && state.inFlight[ended].until <= now) {
    state.inFlightChars -= state.inFlight[ended].chars;
    ended += 1;
  }
  if (ended > 0) {
    state.inFlight.splice(0, ended);
  }
  return state.inFlightChars;
}

/** Empties the send window of the sends for which `leaves` holds. */
function leaveWindow(leaves) {
  state.inFlight = state.inFlight.filter((sent) => !leaves(sent));
  state.inFlightChars = state.inFlight.reduce((chars, sent) => chars + sent.chars, 0);
}

/**
 * After an ack or an error: the message's sends leave the window, a conversation sending one at a time whose
 * messages are all answered goes back to sending at once, and what is due is sent (the room made, or the
 * conversation's next message).
 */
function answered(clientMessageId, conversationId) {
  leaveWindow((sent) => sent.clientMessageId === clientMessageId);
  if (state.oneAtATime.has(conversationId) && !hasUnacked(conversationId)) {
    state.oneAtATime.delete(conversationId);
  }
  resendDue();
}

function hasUnacked(conversationId) {
  for (const pending of state.pending.values()) {
    if (pending.conversationId === conversationId && !pending.error) {
      return true;
    }
  }
  return false;
}

/**
 * A message's SEND as SockJS sends it, in bytes at most: its JSON, escaped again (control characters become six or
 * seven), and each non-ASCII character counted as six (SockJS escapes surrogates and some other ranges as \uXXXX;
 * the rest are up to three bytes of UTF-8), plus the STOMP headers.
 */
function frameChars(pending) {
  if (pending.chars === undefined) {
    const escaped = JSON.stringify(JSON.stringify({ clientMessageId: 'web-00000000-0000-0000-0000-000000000000',
      body: pending.body }));
    pending.chars = escaped.length + 5 * (escaped.match(/[^\x00-\x7f]/g) || []).length + 200;
  }
  return pending.chars;
}

/**
 * The wait before the next send of a message sent `sends` times: `first` doubled for each send after the first,
 * at most RESEND_MAX_MS, drawn between all and one and a half times that.
 */
function backoff(first, sends) {
  const ceiling = Math.min(RESEND_MAX_MS, first * 2 ** Math.max(0, sends - 1));
  return ceiling + Math.random() * (ceiling / 2);
}

/**
 * Sends (again) with the same clientMessageId: stored once, acked with the same seq (rule 4), if connected and the
 * send window has room for it.
 * @returns whether it was sent
 */
function resend(clientMessageId) {
  const pending = state.pending.get(clientMessageId);
  if (!pending || !state.client || !state.client.connected) {
    return false;
  }
  const chars = frameChars(pending);
  const out = inFlightChars();
  if (out > 0 && out + chars > SEND_WINDOW_CHARS) {
    return false;
  }
  pending.error = null;
  pending.sends = (pending.sends || 0) + 1;
  pending.dueAt = Date.now() + backoff(ACK_TIMEOUT_MS, pending.sends);
  publish(`/app/conversations/${pending.conversationId}/messages`, { clientMessageId, body: pending.body });
  state.inFlight.push({ clientMessageId, chars, until: Date.now() + ACK_TIMEOUT_MS });
  state.inFlightChars += chars;
  return true;
}

/**
 * Sends what is due (rule 4): new messages, and again those with no ack nor error in time, after a
 * `retry`/`rate-limited` error, or after a reconnect, so that a conversation's messages are stored in the order they
 * were written. When one message of a conversation is due, every unacked message of it not in the send window is
 * sent (again), in that order: one whose send is in the window went earlier in this session, so before them. In a
 * conversation sending one at a time, only its first unacked message, when due. Stops at the first message the
 * window has no room for, so that the earliest written go first; the rest stay due, sent as answers make room (or
 * at the next pass, every 500 ms).
 */
function resendDue() {
  if (!state.client || !state.client.connected) {
    return;
  }
  inFlightChars();
  const out = new Set(state.inFlight.map((sent) => sent.clientMessageId));
  const now = Date.now();
  const due = new Set();
  for (const pending of state.pending.values()) {
    if (!pending.error && now >= pending.dueAt) {
      due.add(pending.conversationId);
    }
  }
  const passed = new Set();
  for (const [clientMessageId, pending] of state.pending) {
    const conversationId = pending.conversationId;
    if (pending.error || !due.has(conversationId)) {
      continue;
    }
    const first = !passed.has(conversationId);
    passed.add(conversationId);
    const sendIt = state.oneAtATime.has(conversationId) ? first && now >= pending.dueAt : !out.has(clientMessageId);
    if (sendIt && !resend(clientMessageId)) {
      return;
    }
  }
}

setInterval(resendDue, 500);

// ---------------------------------------------------------------- connection

function transports() {
  const wanted = new URLSearchParams(location.search).get('transport');
  return wanted ? wanted.split(',') : ['websocket', 'xhr-streaming', 'xhr-polling'];
}

function setStatus(status, detail) {
  $('status').dataset.status = status;
  $('status').textContent = detail ? `${status} · ${detail}` : status;
}

function connect() {
  const client = new StompJs.Client({
    webSocketFactory: () => {
      state.sock = new SockJS('/sockjs', null, { transports: transports() });
      return state.sock;
    },
    connectHeaders: { Authorization: `Bearer ${state.token}` },
    reconnectDelay: 1000,
    beforeConnect: () => (state.connectedBefore
      ? new Promise((resolve) => setTimeout(resolve, Math.random() * RECONNECT_JITTER_MS))
      : undefined),
    heartbeatIncoming: 10000,
    heartbeatOutgoing: 10000,
    onConnect: onConnected,
    onStompError: (frame) => {
      setStatus('error', frame.headers.message || 'refused');
      if (/token/i.test(frame.headers.message || '')) {
        signOut(true);
      }
    },
    onWebSocketClose: () => {
      document.body.dataset.transport = '';
      setStatus(navigator.onLine ? 'reconnecting' : 'offline');
    },
  });
  state.client = client;
  client.activate();
}

async function onConnected() {
  state.connectedBefore = true;
  const transport = (state.sock && state.sock.transport) || 'unknown';
  document.body.dataset.transport = transport;
  setStatus('connected', transport);
  const json = (handler) => (frame) => handler(JSON.parse(frame.body));
  state.client.subscribe('/user/queue/messages', json(onMessage));
  state.client.subscribe('/user/queue/acks', json(onAck));
  state.client.subscribe('/user/queue/errors', json(onError));
  state.client.subscribe('/user/queue/presence', json(onPresence));
  state.client.subscribe('/user/queue/typing', json(onTyping));
  state.client.subscribe('/user/queue/receipts', json(onReceipt));
  // Everything unacked is sent again (by resendDue, in the order it was written), except what failed for good; what
  // the last session sent left with it.
  leaveWindow(() => true);
  state.pending.forEach((pending) => {
    if (!pending.error) {
      pending.dueAt = 0;
    }
  });
  // Subscribed first, then history: nothing falls between the two.
  await catchUp();
}

window.addEventListener('offline', () => {
  setStatus('offline');
  if (state.client && state.client.connected) {
    state.client.forceDisconnect(); // reconnects by itself (every 1-5 s) once the network is back
  }
});
window.addEventListener('online', () => setStatus('reconnecting'));
document.addEventListener('visibilitychange', () => {
  const conv = state.conversations.get(state.openId);
  if (conv) {
    markRead(conv);
  }
});

// ---------------------------------------------------------------- rendering

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) {
    el.className = className;
  }
  if (text !== undefined) {
    el.textContent = text;
  }
  return el;
}

function renderConversations() {
  const list = $('conversations');
  list.replaceChildren();
  const sorted = [...state.conversations.values()].sort((a, b) => String(b.activeAt).localeCompare(String(a.activeAt)));
  for (const conv of sorted) {
    const li = element('li');
    li.dataset.id = conv.id;
    li.dataset.title = title(conv);
    li.setAttribute('aria-selected', String(conv.id === state.openId));
    const dot = element('span', 'presence');
    if (conv.type === 'direct') {
      const other = conv.members.find((m) => m !== state.me);
      dot.dataset.status = (state.presence.get(other) || {}).status || 'offline';
      dot.title = dot.dataset.status;
    } else {
      const online = conv.members.filter((m) => m !== state.me && (state.presence.get(m) || {}).status === 'online');
      dot.dataset.status = online.length ? 'online' : 'offline';
      dot.title = `${online.length} online`;
    }
    const name = element('span', 'name', title(conv));
    if (conv.lastMessage) {
      name.append(element('span', 'last', `${conv.lastMessage.senderId}: ${conv.lastMessage.body}`));
    }
    const unread = element('span', 'unread', String(conv.unread));
    unread.dataset.count = String(conv.unread);
    li.append(dot, name, unread);
    li.addEventListener('click', () => openConversation(conv.id));
    list.append(li);
  }
}

function tick(conv, m) {
  const others = conv.members.filter((u) => u !== state.me);
  const r = (u) => conv.receipts.get(u) || { deliveredSeq: 0, readSeq: 0 };
  const readBy = others.filter((u) => r(u).readSeq >= m.seq);
  const deliveredTo = others.filter((u) => r(u).deliveredSeq >= m.seq);
  const span = element('span', 'tick');
  if (others.length > 0 && readBy.length === others.length) {
    span.textContent = '✓✓';
    span.dataset.receipt = 'read';
  } else if (others.length > 0 && deliveredTo.length === others.length) {
    span.textContent = '✓✓';
    span.dataset.receipt = 'delivered';
  } else {
    span.textContent = '✓';
    span.dataset.receipt = 'sent';
  }
  span.title = `read by: ${readBy.join(', ') || 'nobody yet'}; delivered to: ${deliveredTo.join(', ') || 'nobody yet'}`;
  return span;
}

function renderMessages(conv, scroll) {
  if (state.openId !== conv.id) {
    return;
  }
  const box = $('messages');
  const fromBottom = box.scrollHeight - box.scrollTop;
  const atBottom = fromBottom - box.clientHeight < 40;
  const list = $('message-list');
  list.replaceChildren();
  const seqs = [...conv.messages.keys()].sort((a, b) => a - b);
  for (const seq of seqs) {
    const m = conv.messages.get(seq);
    const own = m.senderId === state.me;
    const li = element('li', own ? 'message own' : 'message');
    li.dataset.seq = String(seq);
    li.dataset.sender = m.senderId;
    if (!own && conv.type !== 'direct') {
      li.append(element('span', 'sender', m.senderId));
    }
    li.append(element('span', 'body', m.body));
    li.append(element('span', 'meta', new Date(m.sentAt).toLocaleTimeString()));
    if (own) {
      li.append(tick(conv, m));
    }
    list.append(li);
  }
  for (const [clientMessageId, p] of state.pending) {
    if (p.conversationId === conv.id) {
      const li = element('li', 'message own pending');
      li.dataset.clientMessageId = clientMessageId;
      li.append(element('span', 'body', p.body));
      const t = element('span', 'tick', p.error ? '⚠' : '◷');
      t.dataset.receipt = p.error ? 'failed' : 'pending';
      li.append(t);
      list.append(li);
    }
  }
  $('history-state').textContent = conv.hasOlder ? 'Scroll up for older messages' : 'Beginning of the conversation';
  if (scroll === 'bottom' && (atBottom || conv.messages.size <= PAGE_SIZE || box.dataset.rendered !== conv.id)) {
    box.scrollTop = box.scrollHeight;
  } else {
    box.scrollTop = box.scrollHeight - fromBottom; // older messages prepended: keep the view
  }
  box.dataset.rendered = conv.id;
  renderTyping();
}

function renderTyping() {
  const conv = state.conversations.get(state.openId);
  const now = Date.now();
  const typing = conv ? [...conv.typing].filter(([, until]) => until > now).map(([user]) => user) : [];
  $('typing').textContent = typing.length ? `${typing.join(', ')} ${typing.length > 1 ? 'are' : 'is'} typing…` : '';
}

// ---------------------------------------------------------------- the forms

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('sign-in-error').textContent = '';
  try {
    start(await signInAs($('user-name').value.trim()));
  } catch (e) {
    $('sign-in-error').textContent = e.message;
  }
});

$('use-token').addEventListener('click', () => {
  try {
    start($('token').value.trim());
  } catch (e) {
    $('sign-in-error').textContent = e.message;
  }
});

$('sign-out').addEventListener('click', () => signOut());

$('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('create-error').textContent = '';
  const members = $('create-members').value.split(/[\s,]+/).map((m) => m.trim()).filter((m) => m && m !== state.me);
  const name = $('create-name').value.trim();
  const type = members.length === 1 && !name ? 'direct' : 'group';
  try {
    const created = await api('POST', '/api/v1/conversations', { type, members, ...(name ? { name } : {}) });
    conversationFrom(created);
    $('create-members').value = '';
    $('create-name').value = '';
    queryPresence();
    await openConversation(created.id);
  } catch (e) {
    $('create-error').textContent = e.message;
  }
});

$('send-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const conv = state.conversations.get(state.openId);
  const body = $('message-input').value;
  if (!conv || !body.trim()) {
    return;
  }
  $('message-input').value = '';
  $('send-error').textContent = '';
  send(conv, body);
});

$('message-input').addEventListener('input', () => {
  const conv = state.conversations.get(state.openId);
  if (conv && state.client && state.client.connected && Date.now() - state.lastTypingSent > TYPING_EVERY_MS) {
    state.lastTypingSent = Date.now();
    publish(`/app/conversations/${conv.id}/typing`, { typing: true });
  }
});

$('messages').addEventListener('scroll', () => {
  const conv = state.conversations.get(state.openId);
  if (conv && $('messages').scrollTop < 50) {
    loadOlder(conv);
  }
});

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  try {
    start(saved);
  } catch (e) {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}
