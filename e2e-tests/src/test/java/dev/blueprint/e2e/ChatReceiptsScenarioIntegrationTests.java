package dev.blueprint.e2e;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import dev.blueprint.testsupport.chat.StompTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import static dev.blueprint.e2e.ChatApi.conversation;
import static dev.blueprint.e2e.ChatApi.history;
import static dev.blueprint.e2e.ChatApi.rest;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Delivered and read receipts as users see them, against the whole suite: each receipt
 * goes gateway → Kafka → chat-message-service (checked, stored in Cassandra) → Kafka →
 * notification-service → the members' gateways, and the REST API shows the stored
 * watermarks as unread counts and as who has read each message.
 */
@ExtendWith(SharedSuite.class)
class ChatReceiptsScenarioIntegrationTests {

	private static final Duration WAIT = ChatApi.WAIT;

	private static final ObjectMapper json = new ObjectMapper();

	private static String user(String name) {
		return name + "-" + UUID.randomUUID().toString().substring(0, 6);
	}

	private static StompTestClient connect(String user) throws Exception {
		StompTestClient client = StompTestClient.connect("ws://localhost:" + Suite.port("chat-gateway") + "/ws",
				SharedSuite.token(user));
		client.subscribe("receipts");
		return client.awaitReady();
	}

	/** The next receipt by {@code user}, skipping others. */
	private static JsonNode receiptOf(StompTestClient client, String user) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (System.nanoTime() < deadline) {
			JsonNode receipt = client.next("receipts", Duration.ofMillis(200));
			if (receipt != null && receipt.path("userId").asString().equals(user)) {
				return receipt;
			}
		}
		throw new AssertionError("no receipt of " + user + " within " + WAIT);
	}

	/** The caller's entry for {@code conversation} in the conversation list. */
	private static JsonNode listed(String user, String conversation) throws Exception {
		HttpResponse<String> list = rest(user, "GET", "/api/v1/conversations", null);
		assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
		for (JsonNode entry : json.readTree(list.body())) {
			if (entry.path("id").asString().equals(conversation)) {
				return entry;
			}
		}
		throw new AssertionError(conversation + " not in " + user + "'s list");
	}

	private static void assertReceipt(JsonNode receipt, String conversation, String type, long seq) {
		assertThat(receipt.path("conversationId").asString()).isEqualTo(conversation);
		assertThat(receipt.path("type").asString()).isEqualTo(type);
		assertThat(receipt.path("seq").asLong()).isEqualTo(seq);
		assertThat(receipt.path("at").asString()).isNotBlank();
	}

	@Test
	void inAGroupTheSenderSeesDeliveredAndReadAndAReadOnOneDeviceClearsTheOther() throws Exception {
		String alice = user("alice");
		String bob = user("bob");
		String carol = user("carol");
		String conversation = conversation(alice, "group", bob, carol);
		try (StompTestClient aliceClient = connect(alice);
				StompTestClient bobPhone = connect(bob);
				StompTestClient bobLaptop = connect(bob);
				StompTestClient carolClient = connect(carol)) {
			aliceClient.send(conversation, "r-1", "first");
			aliceClient.expect("acks", WAIT);
			aliceClient.send(conversation, "r-2", "second");
			assertThat(aliceClient.expect("acks", WAIT).path("seq").asLong()).isEqualTo(2);
			for (int seq = 1; seq <= 2; seq++) {
				assertThat(bobPhone.expect("messages", WAIT).path("seq").asLong()).isEqualTo(seq);
			}

			// Bob's phone acknowledges delivery: the other members hear it.
			bobPhone.sendRaw("/app/conversations/" + conversation + "/delivered", "{\"seq\":2}");
			assertReceipt(receiptOf(aliceClient, bob), conversation, "delivered", 2);
			assertReceipt(receiptOf(carolClient, bob), conversation, "delivered", 2);
			JsonNode bobsEntry = listed(bob, conversation);
			assertThat(bobsEntry.path("lastSeq").asLong()).isEqualTo(2);
			assertThat(bobsEntry.path("deliveredSeq").asLong()).isEqualTo(2);
			assertThat(bobsEntry.path("readSeq").asLong()).isZero();
			assertThat(bobsEntry.path("unreadCount").asLong()).isEqualTo(2);

			// Bob reads on his phone: Alice sees it, and so does his laptop, whose unread
			// count clears; the phone that read is not told.
			bobPhone.sendRaw("/app/conversations/" + conversation + "/read", "{\"seq\":2}");
			assertReceipt(receiptOf(aliceClient, bob), conversation, "read", 2);
			assertReceipt(receiptOf(bobLaptop, bob), conversation, "read", 2);
			assertThat(listed(bob, conversation).path("unreadCount").asLong()).isZero();
			assertThat(bobPhone.next("receipts", Duration.ofMillis(500))).isNull();

			// A lower read changes nothing and is not announced; Carol reads the first.
			bobLaptop.sendRaw("/app/conversations/" + conversation + "/read", "{\"seq\":1}");
			carolClient.sendRaw("/app/conversations/" + conversation + "/read", "{\"seq\":1}");
			// Same conversation, same partition: an announced lower read of Bob's would
			// come before Carol's (receiptOf would have skipped it).
			JsonNode carolRead = aliceClient.expect("receipts", WAIT);
			assertThat(carolRead.path("userId").asString()).as("the next receipt Alice gets: " + carolRead)
				.isEqualTo(carol);
			assertReceipt(carolRead, conversation, "read", 1);
			assertThat(aliceClient.next("receipts", Duration.ofMillis(500))).as("nothing about the lower read")
				.isNull();
			assertThat(listed(carol, conversation).path("unreadCount").asLong()).isEqualTo(1);
			assertThat(listed(alice, conversation).path("unreadCount").asLong()).isZero();

			// History tells Alice who has read and received each of her messages.
			var messages = history(alice, conversation, 0);
			assertThat(messages).hasSize(2);
			assertThat(names(messages.get(0).path("readBy"))).containsExactlyInAnyOrder(bob, carol);
			assertThat(names(messages.get(1).path("readBy"))).containsExactly(bob);
			assertThat(names(messages.get(1).path("deliveredTo"))).containsExactly(bob);
			assertThat(history(bob, conversation, 0).get(0).has("readBy")).isFalse();

			// A receipt beyond the conversation's last message is refused; the session
			// stays.
			carolClient.sendRaw("/app/conversations/" + conversation + "/read", "{\"seq\":3}");
			JsonNode error = carolClient.expect("errors", WAIT);
			assertThat(error.path("code").asString()).as(error.toString()).isEqualTo("receipt-beyond-last");
			assertThat(carolClient.isConnected()).isTrue();
			assertThat(listed(carol, conversation).path("readSeq").asLong()).isEqualTo(1);
			HttpResponse<String> receipts = rest(carol, "GET", "/api/v1/conversations/" + conversation + "/receipts",
					null);
			assertThat(receipts.statusCode()).as(receipts.body()).isEqualTo(200);
			assertThat(json.readTree(receipts.body())).hasSize(3);
		}
	}

	private static java.util.List<String> names(JsonNode array) {
		java.util.List<String> names = new java.util.ArrayList<>();
		array.forEach((name) -> names.add(name.asString()));
		return names;
	}

}
