package dev.blueprint.chat.gateway.messaging.core;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks a SEND frame's body, {@code {clientMessageId, body}}, before anything is sent to
 * Kafka. Every refusal has a distinct code and names the field.
 */
public final class SendValidation {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private final int maxBodyBytes;

	private final int maxClientMessageIdLength;

	public SendValidation(int maxBodyBytes, int maxClientMessageIdLength) {
		this.maxBodyBytes = maxBodyBytes;
		this.maxClientMessageIdLength = maxClientMessageIdLength;
	}

	/** Validates a frame sent to {@code /app/conversations/{conversationId}/messages}. */
	public Result validate(String conversationId, byte[] payload) {
		JsonNode json;
		try {
			json = MAPPER.readTree(new String(payload, StandardCharsets.UTF_8));
		}
		catch (JacksonException ex) {
			return Result.refused(ChatErrorCodes.MALFORMED_JSON,
					"The frame body is not JSON: expected {\"clientMessageId\": ..., \"body\": ...}", null);
		}
		if (json == null || !json.isObject()) {
			return Result.refused(ChatErrorCodes.MALFORMED_JSON,
					"The frame body must be a JSON object {\"clientMessageId\": ..., \"body\": ...}", null);
		}
		JsonNode clientIdNode = json.get("clientMessageId");
		String clientMessageId = (clientIdNode != null && clientIdNode.isString()) ? clientIdNode.asString() : null;
		if (clientIdNode == null || clientIdNode.isNull() || (clientMessageId != null && clientMessageId.isBlank())) {
			return Result.refused(ChatErrorCodes.MISSING_FIELD, "clientMessageId is required", null);
		}
		if (clientMessageId == null) {
			return Result.refused(ChatErrorCodes.INVALID_FIELD, "clientMessageId must be a string", null);
		}
		if (clientMessageId.length() > this.maxClientMessageIdLength) {
			return Result.refused(ChatErrorCodes.INVALID_FIELD,
					"clientMessageId is longer than " + this.maxClientMessageIdLength + " characters", null);
		}
		UUID conversation;
		try {
			conversation = UUID.fromString(conversationId);
		}
		catch (IllegalArgumentException ex) {
			return Result.refused(ChatErrorCodes.UNKNOWN_CONVERSATION,
					"No conversation '" + abbreviate(conversationId) + "'", clientMessageId);
		}
		JsonNode bodyNode = json.get("body");
		if (bodyNode == null || bodyNode.isNull() || (bodyNode.isString() && bodyNode.asString().isBlank())) {
			return Result.refused(ChatErrorCodes.MISSING_FIELD, "body is required", clientMessageId);
		}
		if (!bodyNode.isString()) {
			return Result.refused(ChatErrorCodes.INVALID_FIELD, "body must be a string", clientMessageId);
		}
		String body = bodyNode.asString();
		int bytes = body.getBytes(StandardCharsets.UTF_8).length;
		if (bytes > this.maxBodyBytes) {
			return Result.refused(ChatErrorCodes.BODY_TOO_LARGE,
					"body is " + bytes + " bytes; the limit is " + this.maxBodyBytes, clientMessageId);
		}
		return new Result(true, null, null, conversation, clientMessageId, body);
	}

	private static String abbreviate(String value) {
		return (value.length() <= 40) ? value : value.substring(0, 40) + "…";
	}

	/** A validated send, or the reason it was refused. */
	public record Result(boolean valid, String code, String message, UUID conversationId, String clientMessageId,
			String body) {

		static Result refused(String code, String message, String clientMessageId) {
			return new Result(false, code, message, null, clientMessageId, null);
		}

	}

}
