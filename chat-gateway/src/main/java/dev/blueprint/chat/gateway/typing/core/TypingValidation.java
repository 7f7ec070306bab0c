package dev.blueprint.chat.gateway.typing.core;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks a typing frame: SEND {@code /app/conversations/{id}/typing} with an empty body,
 * {@code {}}, or {@code {"typing": true|false}} (default {@code true}).
 */
public final class TypingValidation {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private TypingValidation() {
	}

	public static Result validate(String conversationId, byte[] payload) {
		UUID conversation;
		try {
			conversation = UUID.fromString(conversationId);
		}
		catch (IllegalArgumentException ex) {
			return Result.refused(ChatErrorCodes.UNKNOWN_CONVERSATION, "No conversation '"
					+ ((conversationId.length() <= 40) ? conversationId : conversationId.substring(0, 40) + "…") + "'");
		}
		String text = new String(payload, StandardCharsets.UTF_8).trim();
		if (text.isEmpty()) {
			return new Result(true, null, null, conversation, true);
		}
		JsonNode json;
		try {
			json = MAPPER.readTree(text);
		}
		catch (JacksonException ex) {
			return Result.refused(ChatErrorCodes.MALFORMED_JSON,
					"The frame body is not JSON: expected nothing or {\"typing\": true|false}");
		}
		if (json == null || !json.isObject()) {
			return Result.refused(ChatErrorCodes.MALFORMED_JSON,
					"The frame body must be a JSON object {\"typing\": true|false}");
		}
		JsonNode typing = json.get("typing");
		if (typing == null || typing.isNull()) {
			return new Result(true, null, null, conversation, true);
		}
		if (!typing.isBoolean()) {
			return Result.refused(ChatErrorCodes.INVALID_FIELD, "typing must be true or false");
		}
		return new Result(true, null, null, conversation, typing.asBoolean());
	}

	/** A valid typing frame, or why it was refused. */
	public record Result(boolean valid, String code, String message, UUID conversationId, boolean typing) {

		static Result refused(String code, String message) {
			return new Result(false, code, message, null, false);
		}

	}

}
