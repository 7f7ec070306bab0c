package dev.blueprint.e2e;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;

import dev.blueprint.testsupport.chat.StompTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import static dev.blueprint.e2e.ChatApi.connect;
import static dev.blueprint.e2e.ChatApi.conversation;
import static dev.blueprint.e2e.ChatApi.history;
import static dev.blueprint.e2e.ChatApi.rest;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat system as its users see it, against the whole suite: real STOMP clients on
 * chat-gateway, conversations over chat-message-service's REST API, and every message
 * through Kafka, Cassandra, notification-service and Redis back to the recipients.
 */
@ExtendWith(SharedSuite.class)
class ChatScenarioIntegrationTests {

	private static final Duration WAIT = ChatApi.WAIT;

	private static String user(String name) {
		return name + "-" + UUID.randomUUID().toString().substring(0, 6);
	}

	@Test
	void oneToOneTheRecipientReceivesAndTheSenderGetsTheAckWithTheSeq() throws Exception {
		String alice = user("alice");
		String bob = user("bob");
		try (StompTestClient aliceClient = connect(alice); StompTestClient bobClient = connect(bob)) {
			String conversation = conversation(alice, "direct", bob);
			aliceClient.send(conversation, "hello-1", "Hi Bob");
			JsonNode received = bobClient.expect("messages", WAIT);
			assertThat(received.path("conversationId").asString()).isEqualTo(conversation);
			assertThat(received.path("seq").asLong()).isEqualTo(1);
			assertThat(received.path("senderId").asString()).isEqualTo(alice);
			assertThat(received.path("body").asString()).isEqualTo("Hi Bob");
			assertThat(received.path("messageId").asString()).isNotBlank();
			assertThat(received.path("sentAt").asString()).isNotBlank();
			JsonNode ack = aliceClient.expect("acks", WAIT);
			assertThat(ack.path("clientMessageId").asString()).isEqualTo("hello-1");
			assertThat(ack.path("seq").asLong()).isEqualTo(1);
			// the sender's own sessions show it too (other devices)
			assertThat(aliceClient.expect("messages", WAIT).path("seq").asLong()).isEqualTo(1);
		}
	}

	@Test
	void everyDeviceOfTheRecipientAndOfTheSenderReceivesEveryMessage() throws Exception {
		String alice = user("alice");
		String bob = user("bob");
		try (StompTestClient alicePhone = connect(alice);
				StompTestClient aliceLaptop = connect(alice);
				StompTestClient bobPhone = connect(bob);
				StompTestClient bobLaptop = connect(bob)) {
			String conversation = conversation(alice, "direct", bob);
			alicePhone.send(conversation, "d-1", "from the phone");
			assertAck(alicePhone.expect("acks", WAIT), "d-1", 1);
			aliceLaptop.send(conversation, "d-2", "from the laptop");
			// Acks go to every session of the sender, as its messages do: a device
			// knows its own by their clientMessageIds.
			assertAck(aliceLaptop.expect("acks", WAIT), "d-1", 1);
			assertAck(aliceLaptop.expect("acks", WAIT), "d-2", 2);
			assertAck(alicePhone.expect("acks", WAIT), "d-2", 2);
			for (StompTestClient device : List.of(alicePhone, aliceLaptop, bobPhone, bobLaptop)) {
				JsonNode first = device.expect("messages", WAIT);
				JsonNode second = device.expect("messages", WAIT);
				assertThat(List.of(first.path("seq").asLong(), second.path("seq").asLong())).containsExactly(1L, 2L);
				assertThat(List.of(first.path("body").asString(), second.path("body").asString()))
					.containsExactly("from the phone", "from the laptop");
			}
		}
	}

	private static void assertAck(JsonNode ack, String clientMessageId, long seq) {
		assertThat(ack.path("clientMessageId").asString()).as(ack.toString()).isEqualTo(clientMessageId);
		assertThat(ack.path("seq").asLong()).as(ack.toString()).isEqualTo(seq);
	}

	@Test
	void inAGroupOfFiveEveryMemberReceivesEveryMessageInSeqOrder() throws Exception {
		List<String> users = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			users.add(user("member" + i));
		}
		List<StompTestClient> clients = new ArrayList<>();
		try {
			for (String member : users) {
				clients.add(connect(member));
			}
			String conversation = conversation(users.get(0), "group", users.subList(1, 5).toArray(String[]::new));
			for (int i = 0; i < 5; i++) {
				clients.get(i).send(conversation, "g-" + i, "from " + users.get(i));
				clients.get(i).expect("acks", WAIT);
			}
			for (StompTestClient client : clients) {
				List<Long> seqs = new ArrayList<>();
				List<String> senders = new ArrayList<>();
				for (int i = 0; i < 5; i++) {
					JsonNode message = client.expect("messages", WAIT);
					seqs.add(message.path("seq").asLong());
					senders.add(message.path("senderId").asString());
				}
				assertThat(seqs).containsExactly(1L, 2L, 3L, 4L, 5L);
				assertThat(senders).containsExactlyElementsOf(users);
			}
		}
		finally {
			clients.forEach(StompTestClient::close);
		}
	}

	@Test
	void aThousandMessagesInOneConversationArriveInSeqOrderWithNoGaps() throws Exception {
		String alice = user("alice");
		String bob = user("bob");
		try (StompTestClient aliceClient = connect(alice); StompTestClient bobClient = connect(bob)) {
			String conversation = conversation(alice, "direct", bob);
			for (int i = 1; i <= 1000; i++) {
				aliceClient.send(conversation, "bulk-" + i, "message " + i);
			}
			for (int i = 1; i <= 1000; i++) {
				JsonNode message = bobClient.expect("messages", WAIT);
				assertThat(message.path("seq").asLong()).isEqualTo(i);
				assertThat(message.path("body").asString()).isEqualTo("message " + i);
			}
			for (int i = 1; i <= 1000; i++) {
				JsonNode ack = aliceClient.expect("acks", WAIT);
				assertThat(ack.path("clientMessageId").asString()).isEqualTo("bulk-" + i);
				assertThat(ack.path("seq").asLong()).isEqualTo(i);
			}
			assertThat(bobClient.next("errors", Duration.ofMillis(200))).isNull();
			assertThat(aliceClient.next("errors", Duration.ofMillis(200))).isNull();
		}
	}

	@Test
	void aRetriedClientMessageIdIsStoredOnceAndAckedWithTheSameSeq() throws Exception {
		String alice = user("alice");
		String bob = user("bob");
		try (StompTestClient aliceClient = connect(alice); StompTestClient bobClient = connect(bob)) {
			String conversation = conversation(alice, "direct", bob);
			aliceClient.send(conversation, "retry-me", "once");
			assertThat(aliceClient.expect("acks", WAIT).path("seq").asLong()).isEqualTo(1);
			aliceClient.send(conversation, "retry-me", "once");
			assertThat(aliceClient.expect("acks", WAIT).path("seq").asLong()).isEqualTo(1);
			aliceClient.send(conversation, "next", "twice?");
			assertThat(aliceClient.expect("acks", WAIT).path("seq").asLong()).isEqualTo(2);
			assertThat(bobClient.expect("messages", WAIT).path("seq").asLong()).isEqualTo(1);
			assertThat(bobClient.expect("messages", WAIT).path("seq").asLong()).isEqualTo(2);
			assertThat(history(bob, conversation, 0)).extracting((message) -> message.path("body").asString())
				.containsExactly("once", "twice?");
		}
	}

	@Test
	void anOfflineMemberCatchesUpFromHistoryThenReceivesLive() throws Exception {
		String alice = user("alice");
		String carol = user("carol");
		String conversation = conversation(alice, "direct", carol);
		int missedCount = 120;
		try (StompTestClient aliceClient = connect(alice)) {
			for (int i = 1; i <= missedCount; i++) {
				aliceClient.send(conversation, "offline-" + i, "while you were away " + i);
			}
			for (int i = 1; i <= missedCount; i++) {
				aliceClient.expect("acks", WAIT);
			}
		}
		try (StompTestClient carolClient = connect(carol)) {
			// page by page with the server's default limit, each after the last seq seen
			List<Long> missed = new ArrayList<>();
			int pages = 0;
			List<JsonNode> page = ChatApi.page(carol, conversation, 0);
			while (!page.isEmpty()) {
				pages++;
				assertThat(page).hasSizeLessThanOrEqualTo(50);
				page.forEach((message) -> missed.add(message.path("seq").asLong()));
				page = ChatApi.page(carol, conversation, missed.get(missed.size() - 1));
			}
			assertThat(pages).isEqualTo(3);
			assertThat(missed).containsExactlyElementsOf(LongStream.rangeClosed(1, missedCount).boxed().toList());
			try (StompTestClient aliceClient = connect(alice)) {
				aliceClient.send(conversation, "online-121", "welcome back");
				JsonNode live = carolClient.expect("messages", WAIT);
				assertThat(live.path("seq").asLong()).isEqualTo(missedCount + 1);
				assertThat(history(carol, conversation, missedCount)).hasSize(1);
			}
		}
	}

	@Test
	void aNonMemberIsRefusedAndNothingIsStored() throws Exception {
		String alice = user("alice");
		String bob = user("bob");
		String mallory = user("mallory");
		String conversation = conversation(alice, "direct", bob);
		try (StompTestClient malloryClient = connect(mallory); StompTestClient bobClient = connect(bob)) {
			malloryClient.send(conversation, "sneak", "let me in");
			JsonNode error = malloryClient.expect("errors", WAIT);
			assertThat(error.path("code").asString()).isEqualTo("not-a-member");
			assertThat(error.path("clientMessageId").asString()).isEqualTo("sneak");
			malloryClient.send(UUID.randomUUID().toString(), "nowhere", "hello?");
			assertThat(malloryClient.expect("errors", WAIT).path("code").asString()).isEqualTo("unknown-conversation");
			assertThat(bobClient.next("messages", Duration.ofSeconds(1))).isNull();
		}
		assertThat(rest(mallory, "GET", "/api/v1/conversations/" + conversation + "/messages", null).statusCode())
			.isEqualTo(403);
		assertThat(history(alice, conversation, 0)).isEmpty();
	}

}
