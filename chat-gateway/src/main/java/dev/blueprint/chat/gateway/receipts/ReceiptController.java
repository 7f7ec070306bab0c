package dev.blueprint.chat.gateway.receipts;

import java.security.Principal;
import java.time.Clock;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.GatewayDelivery.Receipt;
import dev.blueprint.chat.gateway.GatewayProperties;
import dev.blueprint.chat.gateway.receipts.core.ReceiptValidation;
import dev.blueprint.chat.gateway.stomp.ClientFrames;
import dev.blueprint.platform.tracing.MessageTracing;
import dev.blueprint.platform.tracing.TracedRecords;
import dev.blueprint.ratelimit.client.RateLimitDecider;
import dev.blueprint.ratelimit.client.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.DestinationVariable;
import org.springframework.messaging.handler.annotation.MessageExceptionHandler;
import org.springframework.messaging.handler.annotation.MessageMapping;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.stereotype.Controller;

/**
 * Delivered and read receipts: SEND {@code /app/conversations/{id}/delivered} or
 * {@code .../read} with {@code {"seq": N}}. Checked here (frame, the per-user
 * {@code chat-receipts} rate), then handed to Kafka on the conversation's partition of
 * the submitted topic, where chat-message-service checks it against the messages before
 * it, stores the watermark and announces it. Nothing comes back for an accepted receipt
 * that changes nothing; a refused one gets an error frame on {@code /user/queue/errors}.
 */
@Controller
public class ReceiptController {

	private static final Logger logger = LoggerFactory.getLogger(ReceiptController.class);

	static final String RECEIPTS_RULE = "chat-receipts";

	/** Receipts by {@code type} and {@code outcome} (submitted, or the error code). */
	static final String RECEIPTS_METRIC = "blueprint.chat.receipts";

	private final KafkaTemplate<String, String> kafka;

	private final ChatEventCodec codec;

	private final ClientFrames frames;

	private final RateLimitDecider rateLimits;

	private final String gatewayId;

	private final Clock clock;

	private final MeterRegistry meters;

	private final MessageTracing tracing;

	public ReceiptController(KafkaTemplate<String, String> kafka, ChatEventCodec codec, ClientFrames frames,
			RateLimitDecider rateLimits, GatewayProperties properties, Clock clock, MeterRegistry meters,
			MessageTracing tracing) {
		this.tracing = tracing;
		this.kafka = kafka;
		this.codec = codec;
		this.frames = frames;
		this.rateLimits = rateLimits;
		this.gatewayId = properties.id();
		this.clock = clock;
		this.meters = meters;
	}

	@MessageMapping("/conversations/{conversationId}/delivered")
	public void delivered(@DestinationVariable String conversationId, Message<?> frame, Principal user,
			SimpMessageHeaderAccessor headers) {
		this.tracing.inSpan("chat.receipt", headers::getFirstNativeHeader,
				() -> submit(Receipt.DELIVERED, conversationId, frame, user, headers.getSessionId()));
	}

	@MessageMapping("/conversations/{conversationId}/read")
	public void read(@DestinationVariable String conversationId, Message<?> frame, Principal user,
			SimpMessageHeaderAccessor headers) {
		this.tracing.inSpan("chat.receipt", headers::getFirstNativeHeader,
				() -> submit(Receipt.READ, conversationId, frame, user, headers.getSessionId()));
	}

	private void submit(String kind, String conversationId, Message<?> frame, Principal user, String sessionId) {
		byte[] payload = (frame.getPayload() instanceof byte[] bytes) ? bytes : new byte[0];
		ReceiptValidation.Result result = ReceiptValidation.validate(conversationId, payload);
		if (!result.valid()) {
			refuse(kind, user, sessionId, result.code(), result.message());
			return;
		}
		Verdict verdict = this.rateLimits.decide(RECEIPTS_RULE, user.getName(), 1, null);
		if (!verdict.allowed()) {
			refuse(kind, user, sessionId, ChatErrorCodes.RATE_LIMITED,
					"Too many receipts; retry after " + verdict.retryAfterSeconds() + " s");
			return;
		}
		ChatEvent.ReceiptSubmitted receipt = new ChatEvent.ReceiptSubmitted(result.conversationId(), user.getName(),
				kind, result.seq(), this.clock.instant(), new ChatEvent.Origin(this.gatewayId, sessionId));
		try {
			this.kafka
				.send(TracedRecords.of(this.tracing, ChatTopics.SUBMITTED, result.conversationId().toString(),
						this.codec.encode(receipt)))
				.whenComplete((sent, failure) -> {
					if (failure != null) {
						kafkaUnavailable(kind, user, sessionId, failure);
					}
					else {
						count(kind, "submitted");
					}
				});
		}
		catch (RuntimeException ex) {
			kafkaUnavailable(kind, user, sessionId, ex);
		}
	}

	@MessageExceptionHandler
	public void failed(Exception ex, Principal user, SimpMessageHeaderAccessor headers) {
		logger.warn("Receipt frame to {} failed: {}", headers.getDestination(), ex.toString());
		this.frames.error(user.getName(), headers.getSessionId(), ChatErrorCodes.RETRY,
				"The gateway could not handle the receipt; retry", null);
	}

	private void kafkaUnavailable(String kind, Principal user, String sessionId, Throwable failure) {
		logger.warn("Could not hand a receipt to Kafka: {}", failure.toString());
		refuse(kind, user, sessionId, ChatErrorCodes.RETRY,
				"The receipt could not be accepted (messaging unavailable); send it again");
	}

	private void refuse(String kind, Principal user, String sessionId, String code, String message) {
		this.frames.error(user.getName(), sessionId, code, message, null);
		count(kind, code);
	}

	private void count(String kind, String outcome) {
		Counter.builder(RECEIPTS_METRIC)
			.description("Receipt frames by type and outcome (submitted to Kafka, or the error code)")
			.tag("type", kind)
			.tag("outcome", outcome)
			.register(this.meters)
			.increment();
	}

}
