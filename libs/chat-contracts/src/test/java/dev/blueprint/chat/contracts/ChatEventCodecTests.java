package dev.blueprint.chat.contracts;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ChatEventCodecTests {

	private final ChatEventCodec codec = new ChatEventCodec();

	private final UUID conversation = UUID.randomUUID();

	@Test
	void everyEventSurvivesARoundTripWithItsVersionedTypeName() {
		ChatEvent.Origin origin = new ChatEvent.Origin("gw-1", "s-1");
		List<ChatEvent> events = List.of(
				new ChatEvent.MessageSubmitted(this.conversation, UUID.randomUUID(), "alice", "c-1", "hi",
						Instant.parse("2026-11-27T10:00:00.123Z"), origin),
				ChatEvent.ConversationChanged.removed(this.conversation, Instant.parse("2026-11-27T10:00:00Z"), "bob"),
				ChatEvent.ConversationChanged.added(this.conversation, Instant.parse("2026-11-27T10:00:00Z"), "carol"),
				new ChatEvent.MessagePersisted(this.conversation, 7, UUID.randomUUID(), "alice", "c-1", "hi",
						Instant.parse("2026-11-27T10:00:01Z"), List.of("alice", "bob"), false, origin),
				new ChatEvent.MessageRejected(this.conversation, "alice", "c-2", ChatErrorCodes.NOT_A_MEMBER, "no",
						origin),
				new ChatEvent.ReceiptSubmitted(this.conversation, "bob", GatewayDelivery.Receipt.READ, 7,
						Instant.parse("2026-11-27T10:00:02Z"), origin),
				new ChatEvent.ReceiptRecorded(this.conversation, "bob", GatewayDelivery.Receipt.DELIVERED, 7,
						Instant.parse("2026-11-27T10:00:02Z"), List.of("alice", "bob"), origin));
		for (ChatEvent event : events) {
			String json = this.codec.encode(event);
			assertThat(json).contains("\"type\":\"" + event.getClass().getSimpleName() + ".v1\"");
			assertThat(this.codec.decode(json)).isEqualTo(event);
		}
	}

	@Test
	void unknownPropertiesAreIgnoredSoAddingAFieldIsNotBreaking() {
		String json = "{\"type\":\"ConversationChanged.v1\",\"conversationId\":\"" + this.conversation
				+ "\",\"changedAt\":\"2026-11-27T10:00:00Z\",\"addedLater\":42}";
		assertThat(this.codec.decode(json)).isInstanceOf(ChatEvent.ConversationChanged.class);
	}

	@Test
	void aMembershipChangeOfTheFirstFormatSaysNothingOfWhatChanged() {
		String json = "{\"type\":\"ConversationChanged.v1\",\"conversationId\":\"" + this.conversation
				+ "\",\"changedAt\":\"2026-11-27T10:00:00Z\"}";
		assertThat(this.codec.decode(json)).isInstanceOfSatisfying(ChatEvent.ConversationChanged.class,
				(changed) -> assertThat(changed.describesChange()).isFalse());
		assertThat(ChatEvent.ConversationChanged.removed(this.conversation, Instant.now(), "bob").describesChange())
			.isTrue();
	}

	@Test
	void unknownTypesAndBrokenJsonAreMalformed() {
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class).isThrownBy(() -> this.codec
			.decode("{\"type\":\"MessageSubmitted.v9\",\"conversationId\":\"" + this.conversation + "\"}"));
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class)
			.isThrownBy(() -> this.codec.decode("{not json"));
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class)
			.isThrownBy(() -> this.codec.decode(null))
			.withMessage("a record without a value");
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class).isThrownBy(() -> this.codec.decode(""));
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class)
			.isThrownBy(() -> this.codec.decode("{\"type\":\"ConversationChanged.v1\"}"));
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class).isThrownBy(() -> this.codec.decode(
				"{\"type\":\"MessagePersisted.v1\",\"conversationId\":\"" + this.conversation + "\",\"seq\":null}"));
	}

	@Test
	void anEventLackingAFieldItsConsumersNeedIsMalformedAndNamesIt() {
		String persisted = "{\"type\":\"MessagePersisted.v1\",\"conversationId\":\"" + this.conversation
				+ "\",\"seq\":1,\"messageId\":\"" + UUID.randomUUID()
				+ "\",\"senderId\":\"alice\",\"clientMessageId\":\"c-1\",\"body\":\"hi\","
				+ "\"sentAt\":\"2026-11-27T10:00:01Z\",\"duplicate\":false";
		assertMalformed(persisted + "}", "MessagePersisted without recipients");
		assertMalformed(persisted + ",\"recipients\":[\"alice\",null]}", "MessagePersisted without recipients");
		assertMalformed(persisted.replace("\"senderId\":\"alice\",", "") + ",\"recipients\":[\"alice\"]}",
				"MessagePersisted without senderId");
		assertMalformed(persisted + ",\"recipients\":[\"alice\"],\"origin\":{\"gatewayId\":\"gw-1\"}}",
				"MessagePersisted without origin.sessionId");
		assertThat(this.codec.decode(persisted + ",\"recipients\":[\"alice\"]}"))
			.isInstanceOf(ChatEvent.MessagePersisted.class);

		String rejected = "{\"type\":\"MessageRejected.v1\",\"conversationId\":\"" + this.conversation
				+ "\",\"senderId\":\"alice\"";
		assertMalformed(rejected + "}", "MessageRejected without code");
		assertThat(this.codec.decode(rejected + ",\"code\":\"not-a-member\"}"))
			.as("a refused receipt has no clientMessageId")
			.isInstanceOf(ChatEvent.MessageRejected.class);

		assertMalformed(
				"{\"type\":\"ReceiptRecorded.v1\",\"conversationId\":\"" + this.conversation
						+ "\",\"userId\":\"bob\",\"kind\":\"read\",\"seq\":3,\"at\":\"2026-11-27T10:00:01Z\"}",
				"ReceiptRecorded without recipients");
		assertMalformed(
				"{\"type\":\"ReceiptSubmitted.v1\",\"conversationId\":\"" + this.conversation
						+ "\",\"userId\":\"bob\",\"seq\":3,\"submittedAt\":\"2026-11-27T10:00:01Z\"}",
				"ReceiptSubmitted without kind");
		assertMalformed("{\"type\":\"MessageSubmitted.v1\",\"conversationId\":\"" + this.conversation
				+ "\",\"body\":\"no sender\"}", "MessageSubmitted without messageId");
	}

	private void assertMalformed(String json, String message) {
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class)
			.isThrownBy(() -> this.codec.decode(json))
			.withMessage(message);
	}

	@Test
	void deliveriesSurviveARoundTrip() {
		GatewayDelivery delivery = new GatewayDelivery.MessageDelivery(List.of("bob"), new GatewayDelivery.ChatMessage(
				this.conversation, 3, UUID.randomUUID(), "alice", "hi", Instant.parse("2026-11-27T10:00:00Z")));
		String json = this.codec.encode(delivery);
		assertThat(json).contains("\"kind\":\"message\"");
		assertThat(this.codec.decodeDelivery(json)).isEqualTo(delivery);
	}

	@Test
	void presenceChangesAndTypingSurviveARoundTrip() {
		PresenceChanged change = new PresenceChanged("bob", "offline", Instant.parse("2026-11-27T10:00:00Z"),
				Instant.parse("2026-11-27T10:00:31Z"));
		String json = this.codec.encode(change);
		assertThat(json).contains("\"type\":\"PresenceChanged.v1\"");
		assertThat(this.codec.decodePresence(json)).isEqualTo(change);
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class)
			.isThrownBy(() -> this.codec.decodePresence("{\"type\":\"PresenceChanged.v1\",\"status\":\"online\"}"));
		GatewayDelivery typing = new GatewayDelivery.TypingDelivery(List.of("bob"),
				new GatewayDelivery.Typing(this.conversation, "alice", true));
		assertThat(this.codec.decodeDelivery(this.codec.encode(typing))).isEqualTo(typing);
	}

	@Test
	void receiptDeliveriesSurviveARoundTripWithThePayloadClientsSee() {
		GatewayDelivery receipt = new GatewayDelivery.ReceiptDelivery(List.of("alice"),
				new GatewayDelivery.Receipt(this.conversation, "bob", GatewayDelivery.Receipt.READ, 4,
						Instant.parse("2026-11-27T10:00:00Z")),
				"s-1");
		String json = this.codec.encode(receipt);
		assertThat(json).contains("\"kind\":\"receipt\"").contains("\"type\":\"read\"");
		assertThat(this.codec.decodeDelivery(json)).isEqualTo(receipt);
	}

	@Test
	void aBatchOfDeliveriesSurvivesARoundTripInItsOrderAndAnIncompleteOneIsMalformed() {
		GatewayDelivery.ChatMessage message = new GatewayDelivery.ChatMessage(this.conversation, 3, UUID.randomUUID(),
				"alice", "hi", Instant.parse("2026-11-27T10:00:00Z"));
		GatewayDelivery batch = new GatewayDelivery.Batch(
				List.of(new GatewayDelivery.MessageDelivery(List.of("alice", "bob"), message),
						new GatewayDelivery.AckDelivery(List.of("alice"),
								new GatewayDelivery.MessageAck("c-1", this.conversation, 3)),
						new GatewayDelivery.ErrorDelivery("carol", "s-2",
								new GatewayDelivery.ChatError("not-a-member", "no", "c-2"))));
		String json = this.codec.encode(batch);
		assertThat(json).startsWith("{\"kind\":\"batch\"")
			.contains("\"kind\":\"message\"", "\"kind\":\"ack\"", "\"kind\":\"error\"");
		assertThat(this.codec.decodeDelivery(json)).isEqualTo(batch);
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class)
			.isThrownBy(() -> this.codec.decodeDelivery("{\"kind\":\"batch\"}"));
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class)
			.isThrownBy(() -> this.codec.decodeDelivery("{\"kind\":\"batch\",\"deliveries\":[null]}"));
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class)
			.isThrownBy(() -> this.codec.decodeDelivery("{\"kind\":\"batch\",\"deliveries\":[{\"kind\":\"nope\"}]}"));
	}

	@Test
	void aDeliveryOfABatchThatCannotBeReadCostsOnlyItselfWhenTheCallerSkipsIt() {
		GatewayDelivery ack = new GatewayDelivery.AckDelivery(List.of("alice"),
				new GatewayDelivery.MessageAck("c-1", this.conversation, 3));
		GatewayDelivery error = new GatewayDelivery.ErrorDelivery("carol", "s-2",
				new GatewayDelivery.ChatError("not-a-member", "no", "c-2"));
		String json = "{\"kind\":\"batch\",\"deliveries\":[" + this.codec.encode(ack)
				+ ",{\"kind\":\"added-later\",\"x\":1},null," + this.codec.encode(error) + "]}";
		List<String> skipped = new java.util.ArrayList<>();

		assertThat(this.codec.decodeDelivery(json, skipped::add))
			.isEqualTo(new GatewayDelivery.Batch(List.of(ack, error)));
		assertThat(skipped).hasSize(2);
		assertThat(skipped.get(0)).contains("added-later");
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class)
			.isThrownBy(() -> this.codec.decodeDelivery("{\"kind\":\"batch\"}", skipped::add));
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class)
			.isThrownBy(() -> this.codec.decodeDelivery("{\"kind\":\"nope\"}", skipped::add));
		assertThatExceptionOfType(ChatEventCodec.MalformedEventException.class)
			.isThrownBy(() -> this.codec.decodeDelivery("not json", skipped::add));
	}

}
