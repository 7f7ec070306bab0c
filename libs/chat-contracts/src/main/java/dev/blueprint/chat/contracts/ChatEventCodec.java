package dev.blueprint.chat.contracts;

import tools.jackson.core.JacksonException;
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
	 * @throws MalformedEventException when the text is not a known event type
	 */
	public ChatEvent decode(String json) {
		try {
			ChatEvent event = this.mapper.readValue(json, ChatEvent.class);
			if (event == null || event.conversationId() == null) {
				throw new MalformedEventException("event without conversationId");
			}
			return event;
		}
		catch (JacksonException ex) {
			throw new MalformedEventException(ex.getOriginalMessage());
		}
	}

	public String encode(GatewayDelivery delivery) {
		return this.mapper.writeValueAsString(delivery);
	}

	/**
	 * Reads a gateway delivery.
	 * @throws MalformedEventException when the text is not a delivery
	 */
	public GatewayDelivery decodeDelivery(String json) {
		try {
			return this.mapper.readValue(json, GatewayDelivery.class);
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
