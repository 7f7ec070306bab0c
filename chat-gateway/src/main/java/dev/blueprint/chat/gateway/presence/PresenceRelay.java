package dev.blueprint.chat.gateway.presence;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.gateway.contacts.ContactBook;
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
 * one lookup here, one frame per watching session. Pushes are at most once: when the
 * channel is subscribed again, every session is told to read presence again
 * ({@link #onChannelSubscribed}).
 */
public class PresenceRelay implements MessageListener, SubscriptionListener {

	/**
	 * The frame that tells a client its presence pushes may have gaps: read your
	 * contacts' presence again ({@code POST /api/v1/presence/query}).
	 */
	public static final Map<String, Object> RESYNC = Map.of("resync", true);

	private static final Logger logger = LoggerFactory.getLogger(PresenceRelay.class);

	private final ChatEventCodec codec;

	private final ContactBook contacts;

	private final ClientFrames frames;

	private final Counter pushed;

	private final Counter resyncs;

	/**
	 * Whether the channel was subscribed before: the first subscription misses nothing.
	 */
	private final AtomicBoolean subscribedBefore = new AtomicBoolean();

	public PresenceRelay(ChatEventCodec codec, ContactBook contacts, ClientFrames frames, MeterRegistry meters) {
		this.codec = codec;
		this.contacts = contacts;
		this.frames = frames;
		this.pushed = Counter.builder("blueprint.chat.gateway.frames.out")
			.description("Frames pushed to clients, by queue")
			.tag("queue", "presence")
			.register(meters);
		this.resyncs = Counter.builder("blueprint.chat.gateway.presence.resyncs")
			.description("Times the presence channel was subscribed again (after Redis or the connection to it was "
					+ "lost) and every session here was told to read presence again")
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
			int sessions = this.frames.toEveryone(ClientFrames.PRESENCE, RESYNC);
			this.resyncs.increment();
			logger.info("Presence channel subscribed again: told {} sessions to read presence again", sessions);
		}
	}

	@Override
	public void onMessage(Message message, byte[] pattern) {
		PresenceChanged change;
		try {
			change = this.codec.decodePresence(new String(message.getBody(), StandardCharsets.UTF_8));
		}
		catch (ChatEventCodec.MalformedEventException ex) {
			logger.warn("Ignoring an unreadable presence change: {}", ex.getMessage());
			return;
		}
		for (String watcher : this.contacts.watchersOf(change.userId())) {
			if (!watcher.equals(change.userId())) {
				this.frames.toUser(watcher, ClientFrames.PRESENCE, change.payload());
				this.pushed.increment();
			}
		}
	}

}
