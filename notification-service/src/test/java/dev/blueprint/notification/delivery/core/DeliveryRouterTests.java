package dev.blueprint.notification.delivery.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.GatewayDelivery;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryRouterTests {

	private final UUID conversation = UUID.randomUUID();

	private final ChatEvent.Origin origin = new ChatEvent.Origin("gw-a", "s-1");

	private ChatEvent.MessagePersisted persisted(boolean duplicate) {
		return new ChatEvent.MessagePersisted(this.conversation, 4, UUID.randomUUID(), "alice", "c-1", "hi",
				Instant.EPOCH, List.of("alice", "bob", "carol"), duplicate, this.origin);
	}

	@Test
	void aStoredMessageGoesOncePerGatewayToItsOnlineRecipientsAndTheAckToTheSendersGateways() {
		Map<String, Set<String>> gateways = Map.of("alice", Set.of("gw-a"), "bob", Set.of("gw-a", "gw-b"));
		Map<String, List<GatewayDelivery>> routed = DeliveryRouter.route(persisted(false), gateways);
		assertThat(routed).containsOnlyKeys("gw-a", "gw-b");
		assertThat(routed.get("gw-a")).hasSize(2);
		assertThat(routed.get("gw-a").get(0)).isInstanceOfSatisfying(GatewayDelivery.MessageDelivery.class,
				(delivery) -> {
					assertThat(delivery.users()).containsExactly("alice", "bob");
					assertThat(delivery.message().seq()).isEqualTo(4);
				});
		assertThat(routed.get("gw-a").get(1)).isInstanceOfSatisfying(GatewayDelivery.AckDelivery.class,
				(ack) -> assertThat(ack.ack().clientMessageId()).isEqualTo("c-1"));
		assertThat(routed.get("gw-b")).singleElement()
			.isInstanceOfSatisfying(GatewayDelivery.MessageDelivery.class,
					(delivery) -> assertThat(delivery.users()).containsExactly("bob"));
		assertThat(DeliveryRouter.offlineRecipients(persisted(false), gateways)).containsExactly("carol");
	}

	@Test
	void aRetryOnlyReAcksTheSender() {
		Map<String, List<GatewayDelivery>> routed = DeliveryRouter.route(persisted(true),
				Map.of("alice", Set.of("gw-a"), "bob", Set.of("gw-b")));
		assertThat(routed).containsOnlyKeys("gw-a");
		assertThat(routed.get("gw-a")).singleElement().isInstanceOf(GatewayDelivery.AckDelivery.class);
		assertThat(DeliveryRouter.usersOf(persisted(true))).containsExactly("alice");
	}

	private ChatEvent.ReceiptRecorded receipt(String kind) {
		return new ChatEvent.ReceiptRecorded(this.conversation, "bob", kind, 4, Instant.EPOCH,
				List.of("alice", "bob", "carol"), new ChatEvent.Origin("gw-b", "s-bob"));
	}

	@Test
	void aDeliveredReceiptGoesToTheOtherMembersGatewaysOnly() {
		Map<String, Set<String>> gateways = Map.of("alice", Set.of("gw-a"), "bob", Set.of("gw-b"), "carol",
				Set.of("gw-a"));
		Map<String, List<GatewayDelivery>> routed = DeliveryRouter.route(receipt(GatewayDelivery.Receipt.DELIVERED),
				gateways);
		assertThat(routed).containsOnlyKeys("gw-a");
		assertThat(routed.get("gw-a")).singleElement()
			.isInstanceOfSatisfying(GatewayDelivery.ReceiptDelivery.class, (delivery) -> {
				assertThat(delivery.users()).containsExactly("alice", "carol");
				assertThat(delivery.receipt()).isEqualTo(new GatewayDelivery.Receipt(this.conversation, "bob",
						GatewayDelivery.Receipt.DELIVERED, 4, Instant.EPOCH));
			});
		assertThat(DeliveryRouter.offlineRecipients(receipt(GatewayDelivery.Receipt.DELIVERED), Map.of())).isEmpty();
	}

	@Test
	void aReadReceiptAlsoGoesToTheReadersOtherSessions() {
		Map<String, Set<String>> gateways = Map.of("alice", Set.of("gw-a"), "bob", Set.of("gw-a", "gw-b"));
		Map<String, List<GatewayDelivery>> routed = DeliveryRouter.route(receipt(GatewayDelivery.Receipt.READ),
				gateways);
		assertThat(routed.get("gw-a")).singleElement()
			.isInstanceOfSatisfying(GatewayDelivery.ReceiptDelivery.class, (delivery) -> {
				assertThat(delivery.users()).containsExactly("alice", "bob");
				assertThat(delivery.exceptSessionId()).isEqualTo("s-bob");
			});
		assertThat(routed.get("gw-b")).singleElement()
			.isInstanceOfSatisfying(GatewayDelivery.ReceiptDelivery.class,
					(delivery) -> assertThat(delivery.users()).containsExactly("bob"));
	}

	@Test
	void aRefusalGoesToTheSessionThatSentIt() {
		ChatEvent.MessageRejected rejected = new ChatEvent.MessageRejected(this.conversation, "mallory", "c-9",
				"not-a-member", "no", this.origin);
		Map<String, List<GatewayDelivery>> routed = DeliveryRouter.route(rejected, Map.of());
		assertThat(routed.get("gw-a")).singleElement()
			.isInstanceOfSatisfying(GatewayDelivery.ErrorDelivery.class, (error) -> {
				assertThat(error.sessionId()).isEqualTo("s-1");
				assertThat(error.error().code()).isEqualTo("not-a-member");
				assertThat(error.error().clientMessageId()).isEqualTo("c-9");
			});
	}

}
