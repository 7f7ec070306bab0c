package dev.blueprint.chat.message.receipts;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessageRejected;
import dev.blueprint.chat.contracts.ChatEvent.ReceiptRecorded;
import dev.blueprint.chat.contracts.GatewayDelivery.Receipt;
import dev.blueprint.chat.message.sequencing.Sequencer;
import dev.blueprint.chat.message.support.ChatIntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Delivered and read receipts through the real sequencer, Kafka and Cassandra: which
 * receipts move a watermark and are announced, which change nothing, which are refused,
 * and what the REST API shows from the stored watermarks.
 */
class ReceiptsIntegrationTests extends ChatIntegrationTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@Autowired
	MeterRegistry meters;

	private void receipt(UUID conversation, String user, String kind, long seq) throws Exception {
		send(new ChatEvent.ReceiptSubmitted(conversation, user, kind, seq, Instant.now(),
				new ChatEvent.Origin("test-gateway", "session-" + user)));
	}

	private double receipts(String type, String outcome) {
		var counter = this.meters.find(Sequencer.RECEIPTS_METRIC).tag("type", type).tag("outcome", outcome).counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Test
	void receiptsMoveWatermarksOnlyUpwardAndEachMoveIsAnnouncedToTheMembers() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String carol = unique("carol");
		UUID conversation = conversation(alice, "group", bob, carol);
		double unchangedBefore = receipts(Receipt.DELIVERED, "unchanged");
		double beyondBefore = receipts(Receipt.READ, ChatErrorCodes.RECEIPT_BEYOND_LAST);
		for (int i = 1; i <= 3; i++) {
			submit(conversation, alice, "c-" + i, "message " + i);
		}
		awaitEvents(conversation, 3, WAIT);
		receipt(conversation, bob, Receipt.DELIVERED, 2);
		receipt(conversation, bob, Receipt.DELIVERED, 1);
		receipt(conversation, bob, Receipt.DELIVERED, 2);
		receipt(conversation, bob, Receipt.READ, 3);
		receipt(conversation, carol, Receipt.READ, 4);
		receipt(conversation, alice, Receipt.READ, 3);
		receipt(conversation, carol, Receipt.DELIVERED, 3);
		List<ChatEvent> events = awaitEvents(conversation, 6, WAIT);

		ReceiptRecorded delivered = (ReceiptRecorded) events.get(3);
		assertThat(delivered.userId()).isEqualTo(bob);
		assertThat(delivered.kind()).isEqualTo(Receipt.DELIVERED);
		assertThat(delivered.seq()).isEqualTo(2);
		assertThat(delivered.recipients()).containsExactlyInAnyOrder(alice, bob, carol);
		assertThat(delivered.origin().sessionId()).isEqualTo("session-" + bob);
		ReceiptRecorded read = (ReceiptRecorded) events.get(4);
		assertThat(read.kind()).isEqualTo(Receipt.READ);
		assertThat(read.seq()).isEqualTo(3);
		MessageRejected beyond = (MessageRejected) events.get(5);
		assertThat(beyond.code()).isEqualTo(ChatErrorCodes.RECEIPT_BEYOND_LAST);
		assertThat(beyond.senderId()).isEqualTo(carol);
		assertThat(beyond.clientMessageId()).isNull();
		assertThat(beyond.origin().sessionId()).isEqualTo("session-" + carol);
		// Alice's read 3 changed nothing (her own messages); Carol's delivered 3 did.
		ReceiptRecorded carolDelivered = (ReceiptRecorded) awaitEvents(conversation, 7, WAIT).get(6);
		assertThat(carolDelivered.userId()).isEqualTo(carol);
		assertThat(eventsDuring(conversation, Duration.ofSeconds(1))).hasSize(7);
		assertThat(receipts(Receipt.DELIVERED, "unchanged") - unchangedBefore).isEqualTo(2);
		assertThat(receipts(Receipt.READ, ChatErrorCodes.RECEIPT_BEYOND_LAST) - beyondBefore).isEqualTo(1);

		HttpResponse<String> all = get(bob, "/api/v1/conversations/" + conversation + "/receipts");
		assertThat(all.statusCode()).isEqualTo(200);
		assertThat(json(all, "$[?(@.userId == '" + alice + "')].readSeq").toString()).isEqualTo("[3]");
		assertThat(json(all, "$[?(@.userId == '" + alice + "')].deliveredSeq").toString()).isEqualTo("[3]");
		assertThat(json(all, "$[?(@.userId == '" + bob + "')].readSeq").toString()).isEqualTo("[3]");
		assertThat(json(all, "$[?(@.userId == '" + bob + "')].deliveredSeq").toString()).isEqualTo("[3]");
		assertThat(json(all, "$[?(@.userId == '" + carol + "')].readSeq").toString()).isEqualTo("[0]");
		assertThat(json(all, "$[?(@.userId == '" + carol + "')].deliveredSeq").toString()).isEqualTo("[3]");
		assertThat(get(unique("mallory"), "/api/v1/conversations/" + conversation + "/receipts").statusCode())
			.isEqualTo(403);
		assertThat(get(bob, "/api/v1/conversations/" + UUID.randomUUID() + "/receipts").statusCode()).isEqualTo(404);
	}

	@Test
	void theConversationListCountsUnreadFromTheCallersReadWatermark() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		UUID conversation = conversation(alice, "direct", bob);
		for (int i = 1; i <= 4; i++) {
			submit(conversation, alice, "c-" + i, "message " + i);
		}
		awaitEvents(conversation, 4, WAIT);
		receipt(conversation, bob, Receipt.READ, 1);
		awaitEvents(conversation, 5, WAIT);
		Map<String, Object> forBob = json(get(bob, "/api/v1/conversations"), "$[0]");
		assertThat(forBob).containsEntry("id", conversation.toString())
			.containsEntry("lastSeq", 4)
			.containsEntry("readSeq", 1)
			.containsEntry("deliveredSeq", 1)
			.containsEntry("unreadCount", 3);
		Map<String, Object> forAlice = json(get(alice, "/api/v1/conversations"), "$[0]");
		assertThat(forAlice).containsEntry("readSeq", 4).containsEntry("unreadCount", 0);

		// Bob answers: his own message moves his watermarks to its seq, without a
		// receipt.
		submit(conversation, bob, "b-1", "read them all");
		awaitEvents(conversation, 6, WAIT);
		assertThat((Map<String, Object>) json(get(bob, "/api/v1/conversations"), "$[0]")).containsEntry("readSeq", 5)
			.containsEntry("unreadCount", 0);
		assertThat((Map<String, Object>) json(get(alice, "/api/v1/conversations"), "$[0]")).containsEntry("readSeq", 4)
			.containsEntry("unreadCount", 1);
	}

	@Test
	void historyTellsTheSenderWhoReceivedAndReadEachOfTheirMessages() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String carol = unique("carol");
		UUID conversation = conversation(alice, "group", bob, carol);
		submit(conversation, alice, "a-1", "one");
		submit(conversation, alice, "a-2", "two");
		submit(conversation, bob, "b-1", "three");
		awaitEvents(conversation, 3, WAIT);
		receipt(conversation, carol, Receipt.DELIVERED, 2);
		receipt(conversation, carol, Receipt.READ, 1);
		awaitEvents(conversation, 5, WAIT);

		HttpResponse<String> history = get(alice, "/api/v1/conversations/" + conversation + "/messages");
		assertThat(history.statusCode()).isEqualTo(200);
		// Bob's message 3 means he has read everything before it.
		assertThat(json(history, "$[0].readBy").toString()).contains(bob, carol);
		assertThat(json(history, "$[0].deliveredTo").toString()).contains(bob, carol);
		assertThat(json(history, "$[1].readBy").toString()).contains(bob).doesNotContain(carol);
		assertThat(json(history, "$[1].deliveredTo").toString()).contains(bob, carol);
		assertThat(json(history, "$[2].senderId").toString()).isEqualTo(bob);
		assertThat(history.body()).doesNotContain("\"readBy\":null");
		assertThat((Map<String, Object>) json(history, "$[2]")).doesNotContainKeys("readBy", "deliveredTo");

		HttpResponse<String> bobs = get(bob, "/api/v1/conversations/" + conversation + "/messages");
		assertThat((Map<String, Object>) json(bobs, "$[0]")).doesNotContainKeys("readBy", "deliveredTo");
		assertThat(json(bobs, "$[2].readBy").toString()).isEqualTo("[]");
		assertThat(json(bobs, "$[2].deliveredTo").toString()).isEqualTo("[]");
	}

	@Test
	void receiptsOfNonMembersAndUnknownConversationsAreRefusedToTheirSession() throws Exception {
		String alice = unique("alice");
		String mallory = unique("mallory");
		UUID conversation = conversation(alice, "direct", unique("bob"));
		submit(conversation, alice, "c-1", "hi");
		awaitEvents(conversation, 1, WAIT);
		receipt(conversation, mallory, Receipt.READ, 1);
		MessageRejected notMember = (MessageRejected) awaitEvents(conversation, 2, WAIT).get(1);
		assertThat(notMember.code()).isEqualTo(ChatErrorCodes.NOT_A_MEMBER);
		assertThat(notMember.origin().sessionId()).isEqualTo("session-" + mallory);
		UUID unknown = UUID.randomUUID();
		receipt(unknown, alice, Receipt.DELIVERED, 1);
		MessageRejected noConversation = (MessageRejected) awaitEvents(unknown, 1, WAIT).get(0);
		assertThat(noConversation.code()).isEqualTo(ChatErrorCodes.UNKNOWN_CONVERSATION);
	}

}
