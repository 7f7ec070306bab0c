package dev.blueprint.chat.gateway.presence;

import java.nio.charset.StandardCharsets;

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

/**
 * Receives every presence change (presence-service publishes each once on
 * {@value PresenceChanged#CHANNEL}; every gateway gets it) and pushes it on
 * {@code /user/queue/presence} to this gateway's sessions of the users who share a
 * conversation with the changing user. Cost per change: one Redis message per gateway,
 * one lookup here, one frame per watching session.
 */
public class PresenceRelay implements MessageListener {

	private static final Logger logger = LoggerFactory.getLogger(PresenceRelay.class);

	private final ChatEventCodec codec;

	private final ContactBook contacts;

	private final ClientFrames frames;

	private final Counter pushed;

	public PresenceRelay(ChatEventCodec codec, ContactBook contacts, ClientFrames frames, MeterRegistry meters) {
		this.codec = codec;
		this.contacts = contacts;
		this.frames = frames;
		this.pushed = Counter.builder("blueprint.chat.gateway.frames.out")
			.description("Frames pushed to clients, by queue")
			.tag("queue", "presence")
			.register(meters);
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
