package dev.blueprint.chat.gateway.typing;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.chat.gateway.contacts.ContactBook;
import dev.blueprint.chat.gateway.stomp.ClientFrames;
import dev.blueprint.chat.gateway.typing.core.TypingValidation;
import dev.blueprint.ratelimit.client.RateLimitDecider;
import dev.blueprint.ratelimit.client.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.DestinationVariable;
import org.springframework.messaging.handler.annotation.MessageExceptionHandler;
import org.springframework.messaging.handler.annotation.MessageMapping;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.stereotype.Controller;

/**
 * Typing indicators: SEND {@code /app/conversations/{id}/typing}. Checked (frame, the
 * per-user {@code chat-typing} rate, membership from the {@link ContactBook}), then
 * relayed straight to the gateways holding the other members' sessions over their Redis
 * channels: never stored, never through Kafka. Members receive {@code {conversationId,
 * userId, typing}} on {@code /user/queue/typing}.
 */
@Controller
public class TypingController {

	private static final Logger logger = LoggerFactory.getLogger(TypingController.class);

	static final String TYPING_RULE = "chat-typing";

	private static final String RELAYED = "relayed";

	private final ContactBook contacts;

	private final SessionRegistry registry;

	private final StringRedisTemplate redis;

	private final ChatEventCodec codec;

	private final ClientFrames frames;

	private final RateLimitDecider rateLimits;

	private final MeterRegistry meters;

	public TypingController(ContactBook contacts, SessionRegistry registry, StringRedisTemplate redis,
			ChatEventCodec codec, ClientFrames frames, RateLimitDecider rateLimits, MeterRegistry meters) {
		this.contacts = contacts;
		this.registry = registry;
		this.redis = redis;
		this.codec = codec;
		this.frames = frames;
		this.rateLimits = rateLimits;
		this.meters = meters;
		// At 0 from the start, so a rate over it is 0 before the first typing frame, not
		// no data.
		counter(RELAYED);
	}

	@MessageMapping("/conversations/{conversationId}/typing")
	public void typing(@DestinationVariable String conversationId, Message<?> frame, Principal user,
			SimpMessageHeaderAccessor headers) {
		String sessionId = headers.getSessionId();
		byte[] payload = (frame.getPayload() instanceof byte[] bytes) ? bytes : new byte[0];
		TypingValidation.Result result = TypingValidation.validate(conversationId, payload);
		if (!result.valid()) {
			refuse(user, sessionId, result.code(), result.message());
			return;
		}
		Verdict verdict = this.rateLimits.decide(TYPING_RULE, user.getName(), 1, null);
		if (!verdict.allowed()) {
			refuse(user, sessionId, ChatErrorCodes.RATE_LIMITED,
					"Too many typing frames; retry after " + verdict.retryAfterSeconds() + " s");
			return;
		}
		Set<String> members;
		try {
			members = this.contacts.membersOf(user, result.conversationId());
		}
		catch (ContactBook.ContactsUnavailableException ex) {
			refuse(user, sessionId, ChatErrorCodes.RETRY, "Membership could not be checked; retry");
			return;
		}
		if (members == null || !members.contains(user.getName())) {
			refuse(user, sessionId, ChatErrorCodes.NOT_A_MEMBER,
					"Not a member of conversation " + result.conversationId());
			return;
		}
		List<String> others = new ArrayList<>(members);
		others.remove(user.getName());
		relay(others, new GatewayDelivery.Typing(result.conversationId(), user.getName(), result.typing()));
		count(RELAYED);
	}

	@MessageExceptionHandler
	public void failed(Exception ex, Principal user, SimpMessageHeaderAccessor headers) {
		logger.warn("Typing frame to {} failed: {}", headers.getDestination(), ex.toString());
		refuse(user, headers.getSessionId(), ChatErrorCodes.RETRY, "The gateway could not relay typing; retry");
	}

	private void relay(List<String> recipients, GatewayDelivery.Typing typing) {
		Map<String, List<String>> byGateway = new LinkedHashMap<>();
		this.registry.gatewaysOf(recipients)
			.forEach((recipient, gateways) -> gateways
				.forEach((gateway) -> byGateway.computeIfAbsent(gateway, (key) -> new ArrayList<>()).add(recipient)));
		if (byGateway.isEmpty()) {
			return;
		}
		this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			byGateway.forEach((gateway, users) -> connection.publish(
					GatewayDelivery.channel(gateway).getBytes(StandardCharsets.UTF_8),
					this.codec.encode(new GatewayDelivery.TypingDelivery(users, typing))
						.getBytes(StandardCharsets.UTF_8)));
			return null;
		});
	}

	private void refuse(Principal user, String sessionId, String code, String message) {
		this.frames.error(user.getName(), sessionId, code, message, null);
		count(code);
	}

	private void count(String outcome) {
		counter(outcome).increment();
	}

	private Counter counter(String outcome) {
		return Counter.builder("blueprint.chat.gateway.typing")
			.description("Typing frames by outcome (relayed, or the error code)")
			.tag("outcome", outcome)
			.register(this.meters);
	}

}
