package dev.blueprint.chat.gateway.delivery;

import java.time.Clock;
import java.time.Duration;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatPipelineLatency;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.gateway.contacts.ContactBook;
import dev.blueprint.chat.gateway.session.SessionTracker;
import dev.blueprint.chat.gateway.stomp.ClientFrames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;

/**
 * Receives deliveries on this gateway's Redis channel, and on the channel of every
 * gateway ({@link GatewayDelivery#EVERY_GATEWAY}), and pushes them to the sessions it
 * holds of their users: one delivery per Redis message, or a batch of them in order. A
 * user without a session here is skipped (every gateway gets the deliveries of the other
 * channel, and a user may have left since). Records end-to-end latency (the sender's
 * gateway accepting the message to this gateway pushing it) per message pushed to at
 * least one user.
 */
public class DeliveryReceiver implements MessageListener {

	private static final Logger logger = LoggerFactory.getLogger(DeliveryReceiver.class);

	private final ChatEventCodec codec;

	private final ClientFrames frames;

	private final SessionTracker sessions;

	private final Clock clock;

	private final Timer latency;

	private final Counter messagesOut;

	private final Counter acksOut;

	private final Counter typingOut;

	private final Counter receiptsOut;

	private final ContactBook contacts;

	private final Counter failed;

	public DeliveryReceiver(ChatEventCodec codec, ClientFrames frames, SessionTracker sessions, ContactBook contacts,
			Clock clock, MeterRegistry meters) {
		this.codec = codec;
		this.contacts = contacts;
		this.frames = frames;
		this.sessions = sessions;
		this.clock = clock;
		this.latency = ChatPipelineLatency.timer(meters, ChatPipelineLatency.DELIVERED);
		this.messagesOut = Counter.builder("blueprint.chat.gateway.frames.out")
			.description("Frames pushed to clients, by queue")
			.tag("queue", "messages")
			.register(meters);
		this.acksOut = Counter.builder("blueprint.chat.gateway.frames.out")
			.description("Frames pushed to clients, by queue")
			.tag("queue", "acks")
			.register(meters);
		this.typingOut = Counter.builder("blueprint.chat.gateway.frames.out")
			.description("Frames pushed to clients, by queue")
			.tag("queue", "typing")
			.register(meters);
		this.failed = Counter.builder("blueprint.chat.gateway.deliveries.failed")
			.description("Deliveries of a batch skipped because they could not be read or pushed (the rest of the "
					+ "batch was)")
			.register(meters);
		this.receiptsOut = Counter.builder("blueprint.chat.gateway.frames.out")
			.description("Frames pushed to clients, by queue")
			.tag("queue", "receipts")
			.register(meters);
	}

	@Override
	public void onMessage(Message message, byte[] pattern) {
		GatewayDelivery delivery;
		try {
			// A delivery of a batch that this version cannot read (a kind added later) is
			// skipped and counted; the rest of the batch is still pushed.
			delivery = this.codec.decodeDelivery(new String(message.getBody(), java.nio.charset.StandardCharsets.UTF_8),
					this::unreadable);
		}
		catch (ChatEventCodec.MalformedEventException ex) {
			logger.warn("Ignoring an unreadable delivery: {}", ex.getMessage());
			return;
		}
		deliver(delivery);
	}

	private void unreadable(String reason) {
		this.failed.increment();
		logger.warn("Skipping a delivery of a batch that could not be read: {}", reason);
	}

	private void deliver(GatewayDelivery delivery) {
		if (delivery instanceof GatewayDelivery.Batch batch) {
			// notification-service's deliveries of one poll for this gateway, in order;
			// one that cannot be pushed (e.g. a field missing) costs only itself.
			for (GatewayDelivery one : batch.deliveries()) {
				try {
					deliver(one);
				}
				catch (RuntimeException ex) {
					this.failed.increment();
					logger.warn("Skipping a delivery of a batch that could not be pushed ({}): {}",
							one.getClass().getSimpleName(), ex.toString());
				}
			}
		}
		else if (delivery instanceof GatewayDelivery.MessageDelivery messages) {
			boolean pushed = false;
			for (String user : messages.users()) {
				if (this.frames.holds(user)) {
					this.frames.toUser(user, ClientFrames.MESSAGES, messages.message());
					this.messagesOut.increment();
					this.contacts.seen(user, messages.message().conversationId());
					pushed = true;
				}
			}
			if (pushed) {
				this.latency.record(Duration.between(messages.message().sentAt(), this.clock.instant()));
			}
		}
		else if (delivery instanceof GatewayDelivery.AckDelivery acks) {
			for (String user : acks.users().stream().filter(this.frames::holds).toList()) {
				this.frames.toUser(user, ClientFrames.ACKS, acks.ack());
				this.acksOut.increment();
			}
		}
		else if (delivery instanceof GatewayDelivery.TypingDelivery typing) {
			for (String user : typing.users().stream().filter(this.frames::holds).toList()) {
				this.frames.toUser(user, ClientFrames.TYPING, typing.typing());
				this.typingOut.increment();
				this.contacts.seen(user, typing.typing().conversationId());
			}
		}
		else if (delivery instanceof GatewayDelivery.ReceiptDelivery receipts) {
			GatewayDelivery.Receipt receipt = receipts.receipt();
			for (String user : receipts.users().stream().filter(this.frames::holds).toList()) {
				// The reader's own session that sent a read receipt is not told about it.
				String except = user.equals(receipt.userId()) ? receipts.exceptSessionId() : null;
				this.frames.toUserExcept(user, except, ClientFrames.RECEIPTS, receipt);
				this.receiptsOut.increment();
			}
		}
		else if (delivery instanceof GatewayDelivery.ErrorDelivery error) {
			if (this.sessions.isConnected(error.sessionId())) {
				this.frames.toSession(error.user(), error.sessionId(), ClientFrames.ERRORS, error.error());
			}
			else {
				this.frames.toUser(error.user(), ClientFrames.ERRORS, error.error());
			}
		}
	}

}
