package dev.blueprint.presence.contacts;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import dev.blueprint.testsupport.TestTokens;
import dev.blueprint.testsupport.chat.ConversationsStub;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The contacts read against an HTTP stand-in of chat-message-service's listing: how much
 * of it is read and kept, and that one caller's concurrent misses share one read.
 */
class ContactDirectoryTests {

	private final ConversationsStub conversations = new ConversationsStub();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	@AfterEach
	void close() {
		this.conversations.close();
	}

	private ContactDirectory directory(int maxContacts, long maxCachedContacts) {
		return new ContactDirectory(URI.create(this.conversations.url()), Duration.ofSeconds(5), Duration.ofMinutes(5),
				new ContactDirectory.Limits(100, maxContacts, maxCachedContacts), Clock.systemUTC(), this.meters);
	}

	@Test
	void aListingIsReadUpToMaxContactsAndTheRestAreNoContacts() {
		this.conversations.conversation("alice", "bob", "carol");
		this.conversations.conversation("alice", "dave", "erin", "frank");
		this.conversations.conversation("alice", "bob", "gina");

		Set<String> contacts = directory(4, 100).of("alice", TestTokens.token("alice"));

		assertThat(contacts).containsExactlyInAnyOrder("bob", "carol", "dave", "erin");
		assertThat(this.meters.counter("blueprint.chat.presence.contacts.truncated").count()).isEqualTo(1);
		assertThat(directory(6, 100).of("alice", TestTokens.token("alice"))).containsExactlyInAnyOrder("bob", "carol",
				"dave", "erin", "frank", "gina");
		assertThat(this.meters.counter("blueprint.chat.presence.contacts.truncated").count()).isEqualTo(1);
	}

	@Test
	void aListItemThatIsNoConversationIsSkipped() throws Exception {
		com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer
			.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
		String listing = "[\"odd\",{\"id\":\"c-1\",\"members\":[\"alice\",\"bob\",7,{\"x\":1}]},[1,2],"
				+ "{\"members\":[\"carol\"],\"extra\":{\"members\":[\"mallory\"]}}]";
		server.createContext("/", (exchange) -> {
			byte[] body = listing.getBytes(java.nio.charset.StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		server.start();
		try {
			ContactDirectory directory = new ContactDirectory(
					URI.create("http://127.0.0.1:" + server.getAddress().getPort()), Duration.ofSeconds(5),
					Duration.ofMinutes(5), new ContactDirectory.Limits(100, 10, 100), Clock.systemUTC(), this.meters);

			assertThat(directory.of("alice", TestTokens.token("alice"))).containsExactlyInAnyOrder("bob", "carol");
		}
		finally {
			server.stop(0);
		}
	}

	@Test
	void theCacheKeepsAtMostMaxCachedContactsDroppingTheLeastRecentlyUsedCaller() {
		this.conversations.conversation("alice", "bob", "carol", "dave");
		this.conversations.conversation("erin", "frank", "gina");
		ContactDirectory directory = directory(5, 5);

		directory.of("alice", TestTokens.token("alice"));
		directory.of("alice", TestTokens.token("alice"));
		assertThat(this.conversations.calls()).as("cached").isEqualTo(1);
		directory.of("erin", TestTokens.token("erin"));
		assertThat(this.conversations.calls()).isEqualTo(2);
		// three contacts and two: both fit
		directory.of("alice", TestTokens.token("alice"));
		assertThat(this.conversations.calls()).isEqualTo(2);
		this.conversations.conversation("frank", "bob");
		directory.of("frank", TestTokens.token("frank"));
		// frank's 3 (erin, gina, bob) + alice's 3 + erin's 2 = 8 > 5: erin, least
		// recently used, went first, then alice
		assertThat(this.conversations.calls()).isEqualTo(3);
		directory.of("frank", TestTokens.token("frank"));
		assertThat(this.conversations.calls()).isEqualTo(3);
		directory.of("erin", TestTokens.token("erin"));
		assertThat(this.conversations.calls()).as("erin read again").isEqualTo(4);
	}

	@Test
	void concurrentMissesOfOneCallerShareOneRead() throws Exception {
		this.conversations.conversation("alice", "bob");
		this.conversations.delay(Duration.ofMillis(500));
		ContactDirectory directory = directory(10, 100);
		List<CompletableFuture<Set<String>>> reads = readsAtOnce(directory, "alice", 8);

		for (CompletableFuture<Set<String>> read : reads) {
			assertThat(read.get()).containsExactly("bob");
		}
		assertThat(this.conversations.calls()).isEqualTo(1);
	}

	@Test
	void aFailedReadFailsEveryCallerWaitingForIt() throws Exception {
		this.conversations.fail("alice");
		this.conversations.delay(Duration.ofMillis(500));
		ContactDirectory directory = directory(10, 100);
		List<CompletableFuture<Set<String>>> reads = readsAtOnce(directory, "alice", 8);

		for (CompletableFuture<Set<String>> read : reads) {
			assertThatExceptionOfType(java.util.concurrent.ExecutionException.class).isThrownBy(read::get)
				.withCauseInstanceOf(ContactDirectory.ContactsUnavailableException.class);
		}
		assertThat(this.conversations.calls()).isEqualTo(1);
	}

	/** {@code count} reads of the caller's contacts, let go at the same moment. */
	private static List<CompletableFuture<Set<String>>> readsAtOnce(ContactDirectory directory, String caller,
			int count) {
		CountDownLatch start = new CountDownLatch(1);
		List<CompletableFuture<Set<String>>> reads = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			reads.add(CompletableFuture.supplyAsync(() -> {
				try {
					start.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				return directory.of(caller, TestTokens.token(caller));
			}));
		}
		start.countDown();
		return reads;
	}

	/**
	 * A 4xx is a refusal the same request meets again (a token chat-message-service does
	 * not accept, a parameter it does not know): told apart from a failure, which a retry
	 * may get past, as are 408 and 429, which ask for one.
	 */
	@Test
	void aRefusalIsToldApartFromAFailure() {
		ContactDirectory directory = directory(10, 100);
		for (int status : List.of(400, 401, 403, 404)) {
			this.conversations.answer("alice", status);
			assertThatExceptionOfType(ContactDirectory.ContactsRefusedException.class)
				.isThrownBy(() -> directory.of("alice", TestTokens.token("alice")))
				.satisfies((refused) -> assertThat(refused.status()).isEqualTo(status));
		}
		for (int status : List.of(408, 429, 500, 503)) {
			this.conversations.answer("alice", status);
			assertThatExceptionOfType(ContactDirectory.ContactsUnavailableException.class)
				.isThrownBy(() -> directory.of("alice", TestTokens.token("alice")))
				.withMessage("chat-message-service answered " + status);
		}
	}

	@Test
	void aFailedReadIsNotCached() {
		this.conversations.fail("alice");
		ContactDirectory directory = directory(10, 100);

		assertThatExceptionOfType(ContactDirectory.ContactsUnavailableException.class)
			.isThrownBy(() -> directory.of("alice", TestTokens.token("alice")))
			.withMessageContaining("500");
		assertThatExceptionOfType(ContactDirectory.ContactsUnavailableException.class)
			.isThrownBy(() -> directory.of("alice", TestTokens.token("alice")));
		assertThat(this.conversations.calls()).isEqualTo(2);
	}

}
