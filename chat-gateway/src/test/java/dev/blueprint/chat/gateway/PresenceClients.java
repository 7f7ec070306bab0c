package dev.blueprint.chat.gateway;

import java.time.Duration;

import dev.blueprint.chat.gateway.contacts.ContactBook;
import dev.blueprint.testsupport.TestTokens;
import dev.blueprint.testsupport.chat.StompTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/** Clients of the presence and typing tests, and a wait for the gateway's contacts. */
final class PresenceClients {

	private PresenceClients() {
	}

	/** A client subscribed to presence and typing too; its conversations are read. */
	static StompTestClient connect(int port, String user) throws Exception {
		StompTestClient client = StompTestClient.connect("ws://localhost:" + port + "/ws", TestTokens.token(user));
		client.subscribe("presence");
		client.subscribe("typing");
		client.awaitReady();
		return client;
	}

	/**
	 * Waits until the gateway has read {@code user}'s conversations with {@code contact}.
	 */
	static void awaitWatching(ContactBook contacts, String user, String contact, Duration wait)
			throws InterruptedException {
		long deadline = System.nanoTime() + wait.toNanos();
		while (!contacts.watchersOf(contact).contains(user) && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(contacts.watchersOf(contact)).contains(user);
	}

}
