package dev.blueprint.chat.contracts;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON of the chat system's Kafka events and gateway deliveries. Unknown properties are
 * ignored, so adding a field is not a breaking change.
 */
public final class ChatEventCodec {

	private final JsonMapper mapper = JsonMapper.builder()
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
		.build();

	public String encode(ChatEvent event) {
		return this.mapper.writeValueAsString(event);
	}

	/**
	 * Reads an event.
	 * @throws MalformedEventException when there is no text (a record without a value, a
	 * tombstone), the text is not a known event type, or the event lacks a field its
	 * consumers need (a list of users with a null in it counts as lacking it): such a
	 * record is dead-lettered, not retried
	 */
	public ChatEvent decode(String json) {
		if (json == null) {
			// Jackson answers null with an IllegalArgumentException, which the
			// listeners would retry as a failure, holding up the partition
			throw new MalformedEventException("a record without a value");
		}
		ChatEvent event;
		try {
			event = this.mapper.readValue(json, ChatEvent.class);
		}
		catch (JacksonException ex) {
			throw new MalformedEventException(ex.getOriginalMessage());
		}
		if (event == null || event.conversationId() == null) {
			throw new MalformedEventException("event without conversationId");
		}
		String missing = missingField(event);
		if (missing != null) {
			throw new MalformedEventException(event.getClass().getSimpleName() + " without " + missing);
		}
		return event;
	}

	/**
	 * The first field the event lacks, or {@code null}. Optional by design: a membership
	 * change's {@code added}, {@code removed} and {@code changedAt} (records of the first
	 * format), a refusal's {@code clientMessageId} (a refused receipt has none), and
	 * {@code origin}, which names both its fields when present.
	 */
	private static String missingField(ChatEvent event) {
		if (event instanceof ChatEvent.MessageSubmitted submitted) {
			return firstMissing(submitted.origin(), "messageId", submitted.messageId(), "senderId",
					submitted.senderId(), "clientMessageId", submitted.clientMessageId(), "body", submitted.body(),
					"submittedAt", submitted.submittedAt());
		}
		if (event instanceof ChatEvent.MessagePersisted persisted) {
			return firstMissing(persisted.origin(), "messageId", persisted.messageId(), "senderId",
					persisted.senderId(), "clientMessageId", persisted.clientMessageId(), "body", persisted.body(),
					"sentAt", persisted.sentAt(), "recipients", users(persisted.recipients()));
		}
		if (event instanceof ChatEvent.MessageRejected rejected) {
			return firstMissing(rejected.origin(), "senderId", rejected.senderId(), "code", rejected.code());
		}
		if (event instanceof ChatEvent.ReceiptSubmitted receipt) {
			return firstMissing(receipt.origin(), "userId", receipt.userId(), "kind", receipt.kind(), "submittedAt",
					receipt.submittedAt());
		}
		if (event instanceof ChatEvent.ReceiptRecorded receipt) {
			return firstMissing(receipt.origin(), "userId", receipt.userId(), "kind", receipt.kind(), "at",
					receipt.at(), "recipients", users(receipt.recipients()));
		}
		return null;
	}

	/** The first name whose value is null, then {@code origin}'s fields. */
	private static String firstMissing(ChatEvent.Origin origin, Object... namesAndValues) {
		for (int i = 0; i < namesAndValues.length; i += 2) {
			if (namesAndValues[i + 1] == null) {
				return (String) namesAndValues[i];
			}
		}
		if (origin != null && origin.gatewayId() == null) {
			return "origin.gatewayId";
		}
		if (origin != null && origin.sessionId() == null) {
			return "origin.sessionId";
		}
		return null;
	}

	/** The list, or null when it is null or holds a null. */
	private static java.util.List<String> users(java.util.List<String> users) {
		return (users == null || users.stream().anyMatch(java.util.Objects::isNull)) ? null : users;
	}

	public String encode(GatewayDelivery delivery) {
		return this.mapper.writeValueAsString(delivery);
	}

	/**
	 * Reads a gateway delivery; a batch holding anything that is not a delivery is
	 * malformed as a whole.
	 * @throws MalformedEventException when the text is not a delivery
	 */
	public GatewayDelivery decodeDelivery(String json) {
		return decodeDelivery(json, (reason) -> {
			throw new MalformedEventException(reason);
		});
	}

	/**
	 * Reads a gateway delivery; a batch's deliveries one by one, so that one this version
	 * cannot read (a kind added later, a {@code null}) costs only itself: it is left out
	 * and {@code skipped} is told why.
	 * @throws MalformedEventException when the text is not a delivery, or a batch without
	 * its list
	 */
	public GatewayDelivery decodeDelivery(String json, Consumer<String> skipped) {
		try {
			// the common case, parsed once
			return this.mapper.readValue(json, GatewayDelivery.class);
		}
		catch (JacksonException ex) {
			// read again below, a batch's deliveries one by one
		}
		JsonNode tree;
		try {
			tree = this.mapper.readTree(json);
		}
		catch (JacksonException ex) {
			throw new MalformedEventException(ex.getOriginalMessage());
		}
		JsonNode items = tree.path("deliveries");
		if (!"batch".equals(tree.path("kind").asString("")) || !items.isArray()) {
			return read(tree);
		}
		List<GatewayDelivery> deliveries = new ArrayList<>(items.size());
		for (JsonNode item : items) {
			try {
				deliveries.add(read(item));
			}
			catch (MalformedEventException ex) {
				skipped.accept(ex.getMessage());
			}
		}
		return new GatewayDelivery.Batch(deliveries);
	}

	private GatewayDelivery read(JsonNode tree) {
		try {
			GatewayDelivery delivery = this.mapper.treeToValue(tree, GatewayDelivery.class);
			if (delivery == null) {
				throw new MalformedEventException("null instead of a delivery");
			}
			return delivery;
		}
		catch (JacksonException ex) {
			throw new MalformedEventException(ex.getOriginalMessage());
		}
	}

	public String encode(PresenceChanged change) {
		return this.mapper.writeValueAsString(change);
	}

	/**
	 * Reads a presence change.
	 * @throws MalformedEventException when the text is not a presence change
	 */
	public PresenceChanged decodePresence(String json) {
		try {
			PresenceChanged change = this.mapper.readValue(json, PresenceChanged.class);
			if (change == null || change.userId() == null || change.status() == null) {
				throw new MalformedEventException("presence change without userId or status");
			}
			return change;
		}
		catch (JacksonException ex) {
			throw new MalformedEventException(ex.getOriginalMessage());
		}
	}

	/**
	 * An event or delivery that cannot be read; it goes to a dead-letter topic or the
	 * log.
	 */
	public static final class MalformedEventException extends RuntimeException {

		public MalformedEventException(String message) {
			super(message);
		}

	}

}
