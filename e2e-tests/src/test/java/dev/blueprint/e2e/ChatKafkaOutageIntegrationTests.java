package dev.blueprint.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;

import dev.blueprint.local.LocalStack;
import dev.blueprint.testsupport.chat.StompTestClient;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import static dev.blueprint.e2e.ChatApi.connect;
import static dev.blueprint.e2e.ChatApi.conversation;
import static dev.blueprint.e2e.ChatApi.history;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The suite's real Kafka stopped and started under a client that sends as the protocol
 * says a client should: one message at a time, and a {@code retry} error answered by
 * sending the same clientMessageId again (docs/chat-protocol.md). Every message ends up
 * acked exactly at its place, stored once, and delivered; none acked is lost.
 */
@ExtendWith(SharedSuite.class)
// Last: the other scenarios do not wait for consumers that Kafka's restart rebalances.
@Order(Integer.MAX_VALUE)
class ChatKafkaOutageIntegrationTests {

	private static final int MESSAGES = 30;

	/** The message sent first after Kafka is stopped. */
	private static final int FIRST_IN_OUTAGE = 6;

	private static final Duration DEADLINE = Duration.ofMinutes(4);

	@Test
	void withKafkaStoppedSendsGetRetryAndAfterItIsBackEveryMessageIsAckedStoredOnceAndDeliveredInOrder()
			throws Exception {
		String alice = "alice-" + UUID.randomUUID().toString().substring(0, 6);
		String bob = "bob-" + UUID.randomUUID().toString().substring(0, 6);
		LocalStack stack = new LocalStack(Suite.settings());
		long deadline = System.nanoTime() + DEADLINE.toNanos();
		Map<String, Long> acked = new LinkedHashMap<>();
		try (StompTestClient aliceClient = connect(alice); StompTestClient bobClient = connect(bob)) {
			String conversation = conversation(alice, "direct", bob);
			try {
				for (int i = 1; i <= MESSAGES; i++) {
					if (i == FIRST_IN_OUTAGE) {
						while (aliceClient.next("errors", Duration.ZERO) != null) {
							// nothing before the outage may be taken for its retry
						}
						stack.stopServer("kafka");
						sendUntilTheFirstRetry(aliceClient, conversation, i);
						stack.startServer("kafka", System.out);
					}
					String id = "m-" + i;
					acked.put(id, sendUntilAcked(aliceClient, conversation, i, deadline));
				}
			}
			finally {
				stack.startServer("kafka", System.out);
			}

			Map<String, Long> expected = new LinkedHashMap<>();
			for (int i = 1; i <= MESSAGES; i++) {
				expected.put("m-" + i, (long) i);
			}
			assertThat(acked).as("each message acked with the seq of its place").containsExactlyEntriesOf(expected);
			List<JsonNode> stored = history(alice, conversation, 0);
			assertThat(stored).extracting((message) -> message.path("seq").asLong())
				.as("stored once each, no gaps")
				.containsExactlyElementsOf(LongStream.rangeClosed(1, MESSAGES).boxed().toList());
			assertThat(stored).extracting((message) -> message.path("body").asString())
				.containsExactlyElementsOf(expected.keySet().stream().map((id) -> "body of " + id).toList());
			List<Long> delivered = new ArrayList<>();
			while (delivered.size() < MESSAGES) {
				JsonNode message = bobClient.expect("messages", ChatApi.WAIT);
				long seq = message.path("seq").asLong();
				if (!delivered.contains(seq)) {
					delivered.add(seq);
				}
			}
			assertThat(delivered).as("the recipient's live deliveries")
				.containsExactlyElementsOf(LongStream.rangeClosed(1, MESSAGES).boxed().toList());
		}
	}

	/** Sends message {@code i} while Kafka is down until the gateway answers retry. */
	private void sendUntilTheFirstRetry(StompTestClient client, String conversation, int i) throws Exception {
		String id = "m-" + i;
		client.send(conversation, id, "body of " + id);
		JsonNode error = client.expect("errors", ChatApi.WAIT);
		assertThat(error.path("code").asString()).as(error.toString()).isEqualTo("retry");
		assertThat(error.path("clientMessageId").asString()).isEqualTo(id);
		assertThat(client.next("acks", Duration.ofSeconds(2))).as("nothing acked while Kafka is down").isNull();
	}

	/**
	 * Sends message {@code i}, and again with the same clientMessageId after each retry
	 * error (or 15 s without an answer), until it is acked; returns the acked seq.
	 */
	private long sendUntilAcked(StompTestClient client, String conversation, int i, long deadline) throws Exception {
		String id = "m-" + i;
		while (System.nanoTime() < deadline) {
			client.send(conversation, id, "body of " + id);
			long answerBy = System.nanoTime() + Duration.ofSeconds(15).toNanos();
			while (System.nanoTime() < answerBy) {
				JsonNode ack = client.next("acks", Duration.ofMillis(100));
				if (ack != null && ack.path("clientMessageId").asString().equals(id)) {
					return ack.path("seq").asLong();
				}
				if (ack != null) {
					// a late ack of an earlier message, retried after a lost
					// answer: same seq
					assertThat(ack.path("seq").asLong()).as(ack.toString())
						.isEqualTo(Long.parseLong(ack.path("clientMessageId").asString().substring(2)));
				}
				JsonNode error = client.next("errors", Duration.ZERO);
				if (error != null) {
					assertThat(error.path("code").asString()).as(error.toString()).isEqualTo("retry");
					if (error.path("clientMessageId").asString().equals(id)) {
						Thread.sleep(500);
						break;
					}
				}
			}
		}
		throw new AssertionError(id + " was not acked within " + DEADLINE);
	}

}
