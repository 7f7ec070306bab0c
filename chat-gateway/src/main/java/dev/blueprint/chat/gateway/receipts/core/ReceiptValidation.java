package dev.blueprint.chat.gateway.receipts.core;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks a receipt frame: SEND {@code /app/conversations/{id}/delivered} or
 * {@code .../read} with {@code {"seq": N}}, N an integer of at least 1. Whether N is
 * beyond the conversation's last seq, and membership, are checked by
 * chat-message-service.
 */
public final class ReceiptValidation {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private ReceiptValidation() {
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
		JsonNode json;
		try {
			json = MAPPER.readTree(new String(payload, StandardCharsets.UTF_8));
		}
		catch (JacksonException ex) {
			return Result.refused(ChatErrorCodes.MALFORMED_JSON, "The frame body is not JSON: expected {\"seq\": N}");
		}
		if (json == null || !json.isObject()) {
			return Result.refused(ChatErrorCodes.MALFORMED_JSON, "The frame body must be a JSON object {\"seq\": N}");
		}
		JsonNode seq = json.get("seq");
		if (seq == null || seq.isNull()) {
			return Result.refused(ChatErrorCodes.INVALID_FIELD, "seq is required: the seq received or read up to");
		}
		if (!seq.isIntegralNumber() || !seq.canConvertToLong() || seq.asLong() < 1) {
			return Result.refused(ChatErrorCodes.INVALID_FIELD, "seq must be an integer of at least 1");
		}
		return new Result(true, null, null, conversation, seq.asLong());
	}

	/** A valid receipt frame, or why it was refused. */
	public record Result(boolean valid, String code, String message, UUID conversationId, long seq) {

		static Result refused(String code, String message) {
			return new Result(false, code, message, null, 0);
		}

	}

}
