package dev.blueprint.chat.gateway.messaging;

import java.security.Principal;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.gateway.GatewayProperties;
import dev.blueprint.chat.gateway.messaging.core.SendOrder;
import dev.blueprint.chat.gateway.messaging.core.SendValidation;
import dev.blueprint.chat.gateway.stomp.ClientFrames;
import dev.blueprint.platform.tracing.MessageTracing;
import dev.blueprint.platform.tracing.TracedRecords;
import dev.blueprint.ratelimit.client.RateLimitDecider;
import dev.blueprint.ratelimit.client.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.event.EventListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.DestinationVariable;
import org.springframework.messaging.handler.annotation.MessageExceptionHandler;
import org.springframework.messaging.handler.annotation.MessageMapping;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Controller;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

/**
 * Accepts messages from clients: checks the frame, applies the per-user send rate, and
 * hands the message to Kafka (keyed by conversation). The sender hears back on
 * {@code /user/queue/acks} once chat-message-service has stored it, or on
 * {@code /user/queue/errors}: at once for a bad frame, a rate limit or Kafka being
 * unreachable ({@code retry}: not acked, and most likely not stored, though a send that
 * timed out may still reach Kafka; send again with the same clientMessageId, which stores
 * it once), later for an unknown conversation or a non-member. After a
 * {@code rate-limited} or {@code retry} refusal, the session's later messages to that
 * conversation are refused with the same code until the refused one is sent again
 * ({@link SendOrder}): they would otherwise be stored before it.
 * <p>
 * Each SEND runs in a {@code chat.send} span, continuing the frame's W3C
 * {@code traceparent} header when the client sends one: a STOMP frame is not an HTTP
 * request, so nothing else would start a trace, and the Kafka record carries it on.
 */
@Controller
public class SendController {

	private static final Logger logger = LoggerFactory.getLogger(SendController.class);

	static final String SEND_RULE = "chat-send";

	private final SendValidation validation;

	private final SendOrder order;

	private final KafkaTemplate<String, String> kafka;

	private final ChatEventCodec codec;

	private final ClientFrames frames;

	private final RateLimitDecider rateLimits;

	private final String gatewayId;

	private final Clock clock;

	private final MeterRegistry meters;

	private final MessageTracing tracing;

	public SendController(SendValidation validation, SendOrder order, KafkaTemplate<String, String> kafka,
			ChatEventCodec codec, ClientFrames frames, RateLimitDecider rateLimits, GatewayProperties properties,
			Clock clock, MeterRegistry meters, MessageTracing tracing) {
		this.validation = validation;
		this.order = order;
		this.kafka = kafka;
		this.codec = codec;
		this.frames = frames;
		this.rateLimits = rateLimits;
		this.gatewayId = properties.id();
		this.clock = clock;
		this.meters = meters;
		this.tracing = tracing;
		Gauge.builder("blueprint.chat.gateway.send.held.sessions", order, SendOrder::sessions)
			.description("Sessions whose sends to a conversation wait for one refused before them")
			.register(meters);
	}

	@MessageMapping("/conversations/{conversationId}/messages")
	public void send(@DestinationVariable String conversationId, Message<?> frame, Principal user,
			SimpMessageHeaderAccessor headers) {
		this.tracing.inSpan("chat.send", headers::getFirstNativeHeader,
				() -> submit(conversationId, frame, user, headers));
	}

	private void submit(String conversationId, Message<?> frame, Principal user, SimpMessageHeaderAccessor headers) {
		String sessionId = headers.getSessionId();
		byte[] payload = (frame.getPayload() instanceof byte[] bytes) ? bytes : new byte[0];
		SendValidation.Result result = this.validation.validate(conversationId, payload);
		if (!result.valid()) {
			refuse(user, sessionId, result.code(), result.message(), result.clientMessageId());
			return;
		}
		// The id as validated, in one spelling: the destination may spell it in
		// capitals or without leading zeros, and the Kafka key must be the same for
		// every message of a conversation, or they would go to different partitions
		// and sequencers
		String conversation = result.conversationId().toString();
		long position = this.order.position();
		Optional<SendOrder.Hold> hold = this.order.holding(sessionId, conversation, result.clientMessageId(), position);
		if (hold.isPresent()) {
			this.frames.error(user.getName(), sessionId, hold.get().code(),
					"Waits for " + hold.get().clientMessageId() + ", refused before it in this conversation: "
							+ "send that one again first, then this one (messages are stored in the order sent)",
					result.clientMessageId());
			count("held");
			return;
		}
		Verdict verdict = this.rateLimits.decide(SEND_RULE, user.getName(), 1, null);
		if (!verdict.allowed()) {
			this.order.refused(sessionId, conversation, result.clientMessageId(), ChatErrorCodes.RATE_LIMITED,
					position);
			refuse(user, sessionId, ChatErrorCodes.RATE_LIMITED,
					"Too many messages; retry after " + verdict.retryAfterSeconds() + " s", result.clientMessageId());
			return;
		}
		ChatEvent.MessageSubmitted submitted = new ChatEvent.MessageSubmitted(result.conversationId(),
				UUID.randomUUID(), user.getName(), result.clientMessageId(), result.body(), this.clock.instant(),
				new ChatEvent.Origin(this.gatewayId, sessionId));
		try {
			this.kafka
				.send(TracedRecords.of(this.tracing, ChatTopics.SUBMITTED, conversation, this.codec.encode(submitted)))
				.whenComplete((sent, failure) -> {
					if (failure != null) {
						kafkaUnavailable(user, sessionId, conversation, result.clientMessageId(), position, failure);
					}
					else {
						this.order.taken(sessionId, conversation, result.clientMessageId());
						count("submitted");
					}
				});
		}
		catch (RuntimeException ex) {
			kafkaUnavailable(user, sessionId, conversation, result.clientMessageId(), position, ex);
		}
	}

	/** Any other destination under /app. */
	@MessageMapping("/**")
	public void unknown(Principal user, SimpMessageHeaderAccessor headers) {
		refuse(user, headers.getSessionId(), ChatErrorCodes.UNKNOWN_DESTINATION,
				"No such destination: " + headers.getDestination(), null);
	}

	/**
	 * A frame the gateway failed on. Answered {@code retry} without a clientMessageId
	 * (the frame may not have had a valid one), so it holds nothing. If it was the resend
	 * of a refused message, which lifted that message's hold on arriving, the later
	 * messages are no longer held behind it: accepted, as this is a failure of the
	 * gateway itself (the rate limit fails open), not a refusal.
	 */
	@MessageExceptionHandler
	public void failed(Exception ex, Principal user, SimpMessageHeaderAccessor headers) {
		logger.warn("Frame to {} failed", headers.getDestination(), ex);
		refuse(user, headers.getSessionId(), ChatErrorCodes.RETRY, "The gateway could not handle the frame; retry",
				null);
	}

	@EventListener
	public void disconnected(SessionDisconnectEvent event) {
		this.order.closed(event.getSessionId());
	}

	/**
	 * Holds whose time has ended, and those of sessions that closed before their refusal
	 * came (a Kafka callback, or a frame handled after the disconnect), are forgotten
	 * here.
	 */
	@Scheduled(fixedDelay = 10_000, initialDelay = 10_000)
	public void forgetEndedHolds() {
		this.order.forgetEnded();
	}

	private void kafkaUnavailable(Principal user, String sessionId, String conversationId, String clientMessageId,
			long position, Throwable failure) {
		logger.warn("Could not hand a message to Kafka: {}", failure.toString());
		this.order.refused(sessionId, conversationId, clientMessageId, ChatErrorCodes.RETRY, position);
		refuse(user, sessionId, ChatErrorCodes.RETRY,
				"The message could not be accepted (messaging unavailable) and is not acked. "
						+ "Send it again with the same clientMessageId: it is stored once",
				clientMessageId);
	}

	private void refuse(Principal user, String sessionId, String code, String message, String clientMessageId) {
		this.frames.error(user.getName(), sessionId, code, message, clientMessageId);
		count(code);
	}

	private void count(String outcome) {
		Counter.builder("blueprint.chat.gateway.sends")
			.description("SEND frames by outcome (submitted to Kafka, or the error code)")
			.tag("outcome", outcome)
			.register(this.meters)
			.increment();
	}

}
