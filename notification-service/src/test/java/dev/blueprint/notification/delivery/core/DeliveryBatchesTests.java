package dev.blueprint.notification.delivery.core;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.notification.delivery.core.DeliveryBatches.Publish;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DeliveryBatchesTests {

	private final UUID conversation = UUID.randomUUID();

	@Test
	void eachGatewaysDeliveriesGoInPublishesOfAtMostTheLimitInTheOrderTheyWereRouted() {
		DeliveryBatches batches = new DeliveryBatches(3);
		batches.add(Map.of("a", List.of(ack(1), ack(2))));
		batches.add(Map.of("b", List.of(ack(3))));
		batches.add(Map.of("a", List.of(ack(4), ack(5), ack(6))));

		List<Publish> publishes = batches.publishes();

		assertThat(publishes).extracting(Publish::gateway).containsExactly("a", "a", "b");
		assertThat(publishes.get(0).payload()).isEqualTo(new GatewayDelivery.Batch(List.of(ack(1), ack(2), ack(4))));
		assertThat(publishes.get(1).payload()).isEqualTo(new GatewayDelivery.Batch(List.of(ack(5), ack(6))));
		assertThat(publishes.get(1).deliveries()).containsExactly(ack(5), ack(6));
		// A publish of one is the delivery itself, not a batch of one.
		assertThat(publishes.get(2).payload()).isEqualTo(ack(3));
		assertThat(publishes.get(2).deliveries()).containsExactly(ack(3));
	}

	@Test
	void exactlyTheLimitIsOnePublishAndOneMoreIsTwo() {
		DeliveryBatches atLimit = new DeliveryBatches(4);
		atLimit.add(Map.of("a", List.of(ack(1), ack(2), ack(3), ack(4))));
		assertThat(atLimit.publishes()).hasSize(1);

		DeliveryBatches overLimit = new DeliveryBatches(4);
		overLimit.add(Map.of("a", List.of(ack(1), ack(2), ack(3), ack(4), ack(5))));
		assertThat(overLimit.publishes()).extracting((publish) -> publish.deliveries().size()).containsExactly(4, 1);
	}

	@Test
	void oneDeliveryPerPublishIsTheFormatOfBeforeBatches() {
		DeliveryBatches batches = new DeliveryBatches(1);
		batches.add(Map.of("a", List.of(ack(1), ack(2))));

		assertThat(batches.publishes()).extracting(Publish::payload).containsExactly(ack(1), ack(2));
	}

	@Test
	void nothingRoutedIsNothingPublishedAndTheLimitIsAtLeastOne() {
		assertThat(new DeliveryBatches(100).publishes()).isEmpty();
		assertThatIllegalArgumentException().isThrownBy(() -> new DeliveryBatches(0))
			.withMessageContaining("at least 1, was 0");
	}

	private GatewayDelivery ack(long seq) {
		return new GatewayDelivery.AckDelivery(List.of("alice"),
				new GatewayDelivery.MessageAck("c-" + seq, this.conversation, seq));
	}

}
