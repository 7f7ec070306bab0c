package dev.blueprint.chat.gateway.stomp;

import java.security.Principal;

/**
 * The authenticated user of a STOMP session: the token's {@code sub}, and the token
 * itself, with which the gateway reads the user's conversations from chat-message-service
 * (contacts for presence, membership for typing).
 */
public record ChatUser(String name, String token) implements Principal {

	@Override
	public String getName() {
		return this.name;
	}

	@Override
	public String toString() {
		return "ChatUser[" + this.name + "]";
	}

}
