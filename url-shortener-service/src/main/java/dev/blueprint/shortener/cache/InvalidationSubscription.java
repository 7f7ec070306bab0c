package dev.blueprint.shortener.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * This instance's subscription to the invalidation channel, which evicts a deleted or
 * changed code from the near-cache. Spring Data Redis's listener container fails its
 * {@code start()} when Redis cannot be reached (by design), which would stop the whole
 * service from starting while Redis is down or slow, although every redirect can be
 * served from Cassandra then. So the subscription is made in the background and retried
 * every {@code retry} until Redis answers; each attempt uses a fresh container, and once
 * one has subscribed its own recovery re-subscribes after later connection losses. Until
 * then the near-cache's TTL alone bounds staleness, as it does when a message is lost.
 * <p>
 * Every time the channel is (re)subscribed — first start, or after Redis or the
 * connection came back — the near-cache is emptied: whatever was published meanwhile went
 * to nobody (pub/sub keeps nothing). So a lost connection costs one round of near-cache
 * misses instead of up to a TTL of stale redirects.
 * <p>
 * {@code blueprint.shortener.cache.invalidation.subscribed} is 1 while subscribed.
 */
public final class InvalidationSubscription implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(InvalidationSubscription.class);

	private final RedisConnectionFactory connectionFactory;

	private final LinkResolver resolver;

	private final ScheduledExecutorService scheduler;

	private final Duration retry;

	private final AtomicInteger subscribed = new AtomicInteger();

	private final Counter resubscriptions;

	private volatile boolean running;

	private RedisMessageListenerContainer container;

	public InvalidationSubscription(RedisConnectionFactory connectionFactory, LinkResolver resolver,
			ScheduledExecutorService scheduler, Duration retry, MeterRegistry meters) {
		this.connectionFactory = connectionFactory;
		this.resolver = resolver;
		this.scheduler = scheduler;
		this.retry = retry;
		Gauge.builder("blueprint.shortener.cache.invalidation.subscribed", this.subscribed, AtomicInteger::get)
			.description("1 while this instance receives near-cache invalidations from Redis pub/sub")
			.register(meters);
		this.resubscriptions = Counter.builder("blueprint.shortener.cache.invalidation.subscriptions")
			.description("Subscriptions to the invalidation channel (start-up and every recovery); each empties "
					+ "the near-cache")
			.register(meters);
	}

	@Override
	public void start() {
		this.running = true;
		this.scheduler.execute(this::subscribe);
	}

	/**
	 * Whether the subscription is in place (it may still be recovering a lost
	 * connection).
	 */
	public boolean isSubscribed() {
		return this.subscribed.get() == 1;
	}

	private synchronized void subscribe() {
		if (!this.running || this.container != null) {
			return;
		}
		RedisMessageListenerContainer attempt = new RedisMessageListenerContainer();
		attempt.setConnectionFactory(this.connectionFactory);
		attempt.setRecoveryInterval(this.retry.toMillis());
		attempt.addMessageListener(new Listener(), new ChannelTopic(RedisLinkCache.INVALIDATION_CHANNEL));
		try {
			attempt.afterPropertiesSet();
			attempt.start();
			this.container = attempt;
			this.subscribed.set(1);
			logger.info("Subscribed to near-cache invalidations on {}", RedisLinkCache.INVALIDATION_CHANNEL);
		}
		catch (RuntimeException ex) {
			destroy(attempt);
			logger.warn("Could not subscribe to near-cache invalidations ({}); retrying in {}", ex.getMessage(),
					this.retry);
			this.scheduler.schedule(this::subscribe, this.retry.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	@Override
	public synchronized void stop() {
		this.running = false;
		if (this.container != null) {
			destroy(this.container);
			this.container = null;
		}
		this.subscribed.set(0);
	}

	private static void destroy(RedisMessageListenerContainer container) {
		try {
			container.destroy();
		}
		catch (Exception ex) {
			logger.debug("Listener container did not stop cleanly", ex);
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** Evicts published codes; empties the near-cache on every (re)subscription. */
	private final class Listener implements MessageListener, SubscriptionListener {

		@Override
		public void onMessage(Message message, byte[] pattern) {
			InvalidationSubscription.this.resolver.evictLocally(new String(message.getBody(), StandardCharsets.UTF_8));
		}

		@Override
		public void onChannelSubscribed(byte[] channel, long count) {
			InvalidationSubscription.this.resolver.evictAllLocally();
			InvalidationSubscription.this.resubscriptions.increment();
		}

	}

}
