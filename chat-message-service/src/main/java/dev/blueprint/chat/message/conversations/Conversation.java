package dev.blueprint.chat.message.conversations;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A conversation and its members.
 *
 * @param type {@code direct} (two members, created once per pair) or {@code group}
 */
public record Conversation(UUID id, String type, String name, String createdBy, Instant createdAt,
		List<String> members) {

	public static final String DIRECT = "direct";

	public static final String GROUP = "group";

	public boolean isDirect() {
		return DIRECT.equals(this.type);
	}

}
