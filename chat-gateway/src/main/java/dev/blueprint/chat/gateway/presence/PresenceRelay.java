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
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

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

	/**
	 * The relay's thread: one, in arrival order, with at most {@code capacity} changes
	 * waiting; beyond that the oldest waiting change is dropped and counted in
	 * {@code dropped} (a newer change of the same user may follow it; a client asks for
	 * its contacts' presence again when it reconnects). Its own thread, not the delivery
	 * thread's: a burst of presence changes (every gateway receives every change) queued
	 * ahead of chat messages and without bound.
	 */
	public static ThreadPoolTaskExecutor executor(int capacity, Counter dropped) {
		ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
		executor.setCorePoolSize(1);
		executor.setMaxPoolSize(1);
		executor.setQueueCapacity(capacity);
		executor.setThreadNamePrefix("presence-");
		executor.setRejectedExecutionHandler((task, pool) -> {
			if (!pool.isShutdown()) {
				pool.getQueue().poll();
				dropped.increment();
				pool.execute(task);
			}
		});
		return executor;
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
