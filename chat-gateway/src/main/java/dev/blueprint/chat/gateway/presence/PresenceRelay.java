package dev.blueprint.chat.gateway.presence;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.gateway.contacts.ContactBook;
import dev.blueprint.chat.gateway.contacts.ContactsListener;
import dev.blueprint.chat.gateway.presence.core.RecentChanges;
import dev.blueprint.chat.gateway.stomp.ClientFrames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.SubscriptionListener;

/**
 * Receives every presence change (presence-service publishes each once on
 * {@value PresenceChanged#CHANNEL}; every gateway gets it) and pushes it on
 * {@code /user/queue/presence} to this gateway's sessions of the users who share a
 * conversation with the changing user. Cost per change: one Redis message per gateway,
 * one lookup here, one frame per watching session. Pushes are at most once: when changes
 * may have been missed ({@link PresenceGaps}: the channel subscribed again, or changes
 * dropped from the presence thread's full queue), every session is told to read presence
 * again, once the thread has nothing more waiting. A user whose contacts the gateway did
 * not know yet (between their connect and the first read of their conversations) is told
 * to read the presence of those contacts whose changes reached no one here meanwhile, or
 * of new contacts after a later read ({@link ContactsListener}).
 * <p>
 * It runs on the presence thread (the channel's container hands it every message and
 * subscription notice there), which is also where the notice is sent from: a notice
 * queued as a task of its own could itself be dropped from a full queue.
 */
public class PresenceRelay implements MessageListener, SubscriptionListener, ContactsListener {

	/**
	 * The frame that tells a client its presence pushes may have gaps: read your
	 * contacts' presence again ({@code POST /api/v1/presence/query}).
	 */
	public static final Map<String, Object> RESYNC = Map.of("resync", true);

	/**
	 * The frame that tells a client to read the presence of these users (new contacts of
	 * theirs: changes they made before the gateway knew were not pushed).
	 */
	public static Map<String, Object> resyncOf(Collection<String> userIds) {
		return Map.of("resync", true, "userIds", userIds.stream().sorted().toList());
	}

	private static final Logger logger = LoggerFactory.getLogger(PresenceRelay.class);

	private final ChatEventCodec codec;

	private final ContactBook contacts;

	private final ClientFrames frames;

	private final Counter pushed;

	private final Counter resyncs;

	private final PresenceGaps gaps;

	private final IntSupplier waiting;

	/**
	 * When each user's presence last changed, as received here: what a first read of a
	 * user's contacts is compared with. Guarded by itself: written by the presence
	 * thread, read by the threads that read contacts.
	 */
	private final RecentChanges recent;

	private final Counter firstReadNotices;

	/**
	 * Whether the channel was subscribed before: the first subscription misses nothing.
	 */
	private final AtomicBoolean subscribedBefore = new AtomicBoolean();

	/**
	 * @param gaps where losses are marked (the presence thread's queue marks its drops)
	 * @param waiting how many tasks wait for the presence thread
	 * @param recentChanges of how many users the latest change is remembered, for users
	 * whose contacts are read for the first time ({@link RecentChanges})
	 */
	public PresenceRelay(ChatEventCodec codec, ContactBook contacts, ClientFrames frames, PresenceGaps gaps,
			IntSupplier waiting, int recentChanges, MeterRegistry meters) {
		this.codec = codec;
		this.gaps = gaps;
		this.waiting = waiting;
		this.recent = new RecentChanges(recentChanges);
		this.firstReadNotices = Counter.builder("blueprint.chat.gateway.presence.first-read.notices")
			.description("Users told, once the gateway had first read their conversations, to read the presence of "
					+ "contacts whose changes came before and reached no one here")
			.register(meters);
		this.contacts = contacts;
		this.frames = frames;
		this.pushed = Counter.builder("blueprint.chat.gateway.frames.out")
			.description("Frames pushed to clients, by queue")
			.tag("queue", "presence")
			.register(meters);
		this.resyncs = Counter.builder("blueprint.chat.gateway.presence.resyncs")
			.description("Times every session here was told to read presence again: the presence channel was "
					+ "subscribed again (after Redis or the connection to it was lost), or changes were dropped "
					+ "from a full presence queue")
			.register(meters);
	}

	/**
	 * The presence channel was subscribed: again (the container re-subscribes after the
	 * connection to Redis was lost, a Redis restart included), so changes published
	 * meanwhile were missed, and a Redis that lost its data has forgotten who is present.
	 * Every session here gets {@link #RESYNC} on {@code /user/queue/presence} and reads
	 * its contacts' presence again, as on a reconnect. Until 2026-12-07 nothing told
	 * them, and a contact's change during the gap showed wrong until the next change.
	 */
	@Override
	public void onChannelSubscribed(byte[] channel, long count) {
		if (!this.subscribedBefore.compareAndSet(false, true)) {
			this.gaps.missed();
		}
		resyncIfDrained();
	}

	/** A task on the presence thread like the others: the last one may be this. */
	@Override
	public void onChannelUnsubscribed(byte[] channel, long count) {
		resyncIfDrained();
	}

	@Override
	public void onMessage(Message message, byte[] pattern) {
		PresenceChanged change;
		try {
			change = this.codec.decodePresence(new String(message.getBody(), StandardCharsets.UTF_8));
		}
		catch (ChatEventCodec.MalformedEventException ex) {
			logger.warn("Ignoring an unreadable presence change: {}", ex.getMessage());
			resyncIfDrained();
			return;
		}
		// before the watchers are looked up: a user whose contacts are being read either
		// is found among them or is told of the change after the read ({@link #loaded})
		synchronized (this.recent) {
			this.recent.changed(change.userId(), System.nanoTime());
		}
		try {
			for (String watcher : this.contacts.watchersOf(change.userId())) {
				if (!watcher.equals(change.userId())) {
					this.frames.toUser(watcher, ClientFrames.PRESENCE, change.payload());
					this.pushed.increment();
				}
			}
		}
		finally {
			// this may be the thread's last task: a gap must not wait for the next change
			try {
				resyncIfDrained();
			}
			catch (RuntimeException ex) {
				// not hiding the push's own failure; the gap stays marked
				logger.warn("Telling sessions to read presence again failed: {}", ex.toString());
			}
		}
	}

	/** New contacts of {@code user}: sent from the reading thread. */
	@Override
	public void added(String user, Set<String> added) {
		this.frames.toUser(user, ClientFrames.PRESENCE, resyncOf(added));
	}

	/**
	 * The gateway has read {@code user}'s contacts for the first time since the user
	 * connected: on the reading thread, the user is told to read the presence of the
	 * contacts whose latest change came between the connect and the index having them
	 * (pushed to no one here; the client may have read presence before the change).
	 * Usually none, and nothing is sent. A change is recorded, under the same lock, at a
	 * time taken inside it, before its watchers are looked up: one recorded before
	 * {@code indexedAt} is named here, and one recorded later finds the user among its
	 * watchers (the index was complete at {@code indexedAt}).
	 */
	@Override
	public void loaded(String user, Set<String> contacts, long connectedAt, long indexedAt) {
		Set<String> missed;
		synchronized (this.recent) {
			missed = this.recent.changedBetween(contacts, connectedAt, indexedAt);
		}
		if (!missed.isEmpty()) {
			this.frames.toUser(user, ClientFrames.PRESENCE, resyncOf(missed));
			this.firstReadNotices.increment();
		}
	}

	/**
	 * Sends {@link #RESYNC} to every session if changes may have been missed and nothing
	 * waits for this thread: one notice after a burst of drops, not one per drop, and
	 * after the changes that were kept (a query made sooner could be overtaken by an
	 * older change still waiting). A drop marks the gap before queueing the change that
	 * displaced it, so the thread always has one more task to notice it in.
	 */
	private void resyncIfDrained() {
		if (this.waiting.getAsInt() == 0 && this.gaps.take()) {
			int sessions;
			try {
				sessions = this.frames.toEveryone(ClientFrames.PRESENCE, RESYNC);
			}
			catch (RuntimeException ex) {
				// not everyone was told: the next task tries again
				this.gaps.missed();
				throw ex;
			}
			this.resyncs.increment();
			logger.info("Presence changes may have been missed (the channel subscribed again, or a full queue "
					+ "dropped some): told {} sessions to read presence again", sessions);
		}
	}

}
