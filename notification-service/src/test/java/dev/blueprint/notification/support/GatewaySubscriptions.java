package dev.blueprint.notification.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiConsumer;

import dev.blueprint.chat.contracts.GatewayDelivery;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/**
 * Gateways' subscriptions to their delivery channels, each through one node of a Redis
 * Cluster, as a gateway's own connection lands on one; closed after each test.
 */
public final class GatewaySubscriptions implements AutoCloseable {

	private final List<RedisClient> clients = new ArrayList<>();

	/**
	 * Subscribes {@code gateway}'s channel through {@code node}; returns what arrives.
	 */
	public BlockingQueue<String> subscribeThrough(RedisURI node, String gateway) {
		BlockingQueue<String> received = new LinkedBlockingQueue<>();
		subscribe(node, (channel, message) -> received.add(message), GatewayDelivery.channel(gateway));
		return received;
	}

	/**
	 * Subscribes as a gateway does, through {@code node}: its own channel and the one of
	 * every gateway ({@link GatewayDelivery#EVERY_GATEWAY}), on one connection, in
	 * arrival order; returns what arrives on which.
	 */
	public BlockingQueue<Received> subscribeAsGatewayThrough(RedisURI node, String gateway) {
		BlockingQueue<Received> received = new LinkedBlockingQueue<>();
		subscribe(node, (channel, message) -> received.add(new Received(channel, message)),
				GatewayDelivery.channel(gateway), GatewayDelivery.channel(GatewayDelivery.EVERY_GATEWAY));
		return received;
	}

	private void subscribe(RedisURI node, BiConsumer<String, String> onMessage, String... channels) {
		RedisClient client = RedisClient.create(node);
		this.clients.add(client);
		StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub();
		connection.addListener(new RedisPubSubAdapter<>() {
			@Override
			public void message(String channel, String message) {
				onMessage.accept(channel, message);
			}
		});
		connection.sync().subscribe(channels);
	}

	/** A publish that reached a subscription, on {@code channel}. */
	public record Received(String channel, String message) {

		/** Whether it was published to every gateway. */
		public boolean toEveryGateway() {
			return this.channel.equals(GatewayDelivery.channel(GatewayDelivery.EVERY_GATEWAY));
		}

	}

	@Override
	public void close() {
		this.clients.forEach(RedisClient::shutdown);
		this.clients.clear();
	}

}
