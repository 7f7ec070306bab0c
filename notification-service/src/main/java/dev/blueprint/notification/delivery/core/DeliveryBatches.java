package dev.blueprint.notification.delivery.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.blueprint.chat.contracts.GatewayDelivery;

/**
 * Packs the deliveries of one polled batch into publishes: per gateway, in the order they
 * were routed, up to {@code perPublish} in each. A publish of several is a
 * {@link GatewayDelivery.Batch}; a publish of one is the delivery itself (so that with
 * {@code perPublish} 1 the gateways get what they got before batches existed). Pure.
 */
public final class DeliveryBatches {

	private final int perPublish;

	private final Map<String, List<GatewayDelivery>> byGateway = new LinkedHashMap<>();

	/**
	 * @param perPublish deliveries one publish carries at most (at least 1)
	 */
	public DeliveryBatches(int perPublish) {
		this.perPublish = checked(perPublish);
	}

	/**
	 * {@code perPublish} if a publish can carry that many (at least 1).
	 * @throws IllegalArgumentException otherwise
	 */
	public static int checked(int perPublish) {
		if (perPublish < 1) {
			throw new IllegalArgumentException("deliveries per publish must be at least 1, was " + perPublish);
		}
		return perPublish;
	}

	/** Adds what {@link DeliveryRouter#route} decided for one event. */
	public void add(Map<String, List<GatewayDelivery>> routed) {
		routed.forEach((gateway, deliveries) -> this.byGateway.computeIfAbsent(gateway, (key) -> new ArrayList<>())
			.addAll(deliveries));
	}

	/** The publishes, each gateway's in the order its deliveries were added. */
	public List<Publish> publishes() {
		List<Publish> publishes = new ArrayList<>();
		this.byGateway.forEach((gateway, deliveries) -> {
			for (int from = 0; from < deliveries.size(); from += this.perPublish) {
				List<GatewayDelivery> chunk = deliveries.subList(from,
						Math.min(from + this.perPublish, deliveries.size()));
				publishes.add(new Publish(gateway, chunk));
			}
		});
		return publishes;
	}

	/** One Redis message for {@code gateway}'s channel, carrying {@code deliveries}. */
	public record Publish(String gateway, List<GatewayDelivery> deliveries) {

		public Publish {
			deliveries = List.copyOf(deliveries);
		}

		/** What is published: the delivery itself when it is alone, else a batch. */
		public GatewayDelivery payload() {
			return (this.deliveries.size() == 1) ? this.deliveries.get(0) : new GatewayDelivery.Batch(this.deliveries);
		}

	}

}
