package dev.blueprint.chat.gateway.stomp;

import java.security.Principal;

/** The authenticated user of a STOMP session: the token's {@code sub}. */
public record ChatUser(String name) implements Principal {

	@Override
	public String getName() {
		return this.name;
	}

}
