package dev.blueprint.shortener.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.shortener.ShortenerProperties;
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
 * one has subscribed its own recovery re-subscribes after later connection losses.
 * <p>
 * Every time the channel is (re)subscribed — first start, or after Redis or the
 * connection came back — the near-cache is emptied: whatever was published meanwhile went
 * to nobody (pub/sub keeps nothing). So a lost connection costs one round of near-cache
 * misses instead of up to a TTL of stale redirects.
 * <p>
 * Whether messages still arrive is proven, not assumed: every {@code heartbeat} each
 * instance publishes {@link RedisLinkCache#HEARTBEAT} on the channel, and any message
 * heard (a heartbeat of any instance, or an invalidation) renews the proof. While it
 * holds, the near-cache keeps found links up to {@code nearTtlLive}; after
 * {@code silence} without a message (the subscription's connection died, Redis is down or
 * unreachable, or the listener fell behind) the near-cache is emptied and falls back to
 * {@code nearTtl} until a message is heard again. So a delete this instance missed
 * redirects here for at most {@code silence + heartbeat} (channel lost) or
 * {@code nearTtl} (entries loaded while it was not trusted), whichever is longer.
 * <p>
 * Messages are handled on a single thread the subscription owns
 * ({@link #listenerExecutor()}); the container's default executor started a thread per
 * message (until 2026-12-07), and a burst of invalidations (an instance retrying its
 * queue after a Redis outage) reaches every instance at once.
 * <p>
 * {@code blueprint.shortener.cache.invalidation.subscribed} is 1 once the subscription is
 * set up (through the container's own recoveries), {@code
 * blueprint.shortener.cache.invalidation.live} 1 while the channel is proven live.
 */
public final class InvalidationSubscription implements SmartLifecycle {

	/**
	 * Messages waiting for the listener thread; beyond them the thread that received a
	 * message handles it itself (a near-cache eviction, microseconds), so none is lost.
	 */
	static final int LISTENER_QUEUE = 10_000;

	private static final Logger logger = LoggerFactory.getLogger(InvalidationSubscription.class);

	private final RedisConnectionFactory connectionFactory;

	private final LinkResolver resolver;

	private final ScheduledExecutorService scheduler;

	private final Duration retry;

	private final AtomicInteger subscribed = new AtomicInteger();

	private final Counter resubscriptions;

	private final Counter silences;

	private final RedisLinkCache cache;

	private final Duration heartbeat;

	private final long silenceNanos;

	private volatile long lastHeard;

	private volatile boolean running;

	private volatile RedisMessageListenerContainer container;

	private ScheduledFuture<?> heartbeats;

	private ThreadPoolExecutor listeners;

	public InvalidationSubscription(RedisConnectionFactory connectionFactory, LinkResolver resolver,
			RedisLinkCache cache, ScheduledExecutorService scheduler, ShortenerProperties.Cache properties,
			MeterRegistry meters) {
		this.connectionFactory = connectionFactory;
		this.resolver = resolver;
		this.cache = cache;
		this.scheduler = scheduler;
		this.retry = properties.invalidationRetry();
		this.heartbeat = properties.invalidationHeartbeat();
		this.silenceNanos = properties.invalidationSilence().toNanos();
		Gauge.builder("blueprint.shortener.cache.invalidation.live", resolver, (r) -> r.isChannelLive() ? 1 : 0)
			.description("1 while this instance has heard the invalidation channel recently enough to keep found "
					+ "links in its near-cache for near-ttl-live")
			.register(meters);
		this.silences = Counter.builder("blueprint.shortener.cache.invalidation.silences")
			.description("Times the invalidation channel went silent for invalidation-silence; each emptied the "
					+ "near-cache")
			.register(meters);
		Gauge.builder("blueprint.shortener.cache.invalidation.subscribed", this.subscribed, AtomicInteger::get)
			.description("1 once the subscription to near-cache invalidations is set up (it then recovers lost "
					+ "connections itself); whether they arrive is blueprint.shortener.cache.invalidation.live")
			.register(meters);
		this.resubscriptions = Counter.builder("blueprint.shortener.cache.invalidation.subscriptions")
			.description("Subscriptions to the invalidation channel (start-up and every recovery); each empties "
					+ "the near-cache")
			.register(meters);
	}

	@Override
	public synchronized void start() {
		this.running = true;
		this.listeners = listenerExecutor();
		this.scheduler.execute(this::subscribe);
		long period = this.heartbeat.toMillis();
		this.heartbeats = this.scheduler.scheduleWithFixedDelay(this::heartbeat, period, period, TimeUnit.MILLISECONDS);
	}

	/**
	 * Publishes a heartbeat and, if nothing was heard for {@code silence}, stops trusting
	 * the channel.
	 */
	void heartbeat() {
		if (this.container != null) {
			this.cache.publishHeartbeat();
		}
		if (this.resolver.isChannelLive() && System.nanoTime() - this.lastHeard > this.silenceNanos) {
			this.resolver.channelSilent();
			this.silences.increment();
			logger.warn("No message on {} for {} ms: near-cache emptied, entries kept at most near-ttl until it is "
					+ "heard again", RedisLinkCache.INVALIDATION_CHANNEL, this.silenceNanos / 1_000_000);
		}
	}

	private void heard() {
		this.lastHeard = System.nanoTime();
		if (!this.resolver.isChannelLive() && this.running) {
			this.resolver.channelLive();
			logger.info("Hearing {}: found links kept in the near-cache up to near-ttl-live",
					RedisLinkCache.INVALIDATION_CHANNEL);
		}
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
		RedisMessageListenerContainer attempt = newContainer();
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

	/**
	 * A container for one subscription attempt, handling messages on the listener thread.
	 */
	synchronized RedisMessageListenerContainer newContainer() {
		RedisMessageListenerContainer container = new RedisMessageListenerContainer();
		container.setConnectionFactory(this.connectionFactory);
		container.setRecoveryInterval(this.retry.toMillis());
		container.setTaskExecutor(this.listeners);
		container.addMessageListener(new Listener(), new ChannelTopic(RedisLinkCache.INVALIDATION_CHANNEL));
		return container;
	}

	/**
	 * One daemon thread (gone after a minute idle) with {@value #LISTENER_QUEUE} messages
	 * queued at most.
	 */
	static ThreadPoolExecutor listenerExecutor() {
		ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES,
				new LinkedBlockingQueue<>(LISTENER_QUEUE), (task) -> {
					Thread thread = new Thread(task, "shortener-invalidation-listener");
					thread.setDaemon(true);
					return thread;
				}, new ThreadPoolExecutor.CallerRunsPolicy());
		executor.allowCoreThreadTimeOut(true);
		return executor;
	}

	@Override
	public synchronized void stop() {
		this.running = false;
		if (this.heartbeats != null) {
			this.heartbeats.cancel(false);
			this.heartbeats = null;
		}
		this.resolver.channelSilent();
		if (this.container != null) {
			destroy(this.container);
			this.container = null;
		}
		if (this.listeners != null) {
			this.listeners.shutdown();
			this.listeners = null;
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
			String code = new String(message.getBody(), StandardCharsets.UTF_8);
			if (!RedisLinkCache.HEARTBEAT.equals(code)) {
				InvalidationSubscription.this.resolver.evictLocally(code);
			}
			heard();
		}

		@Override
		public void onChannelSubscribed(byte[] channel, long count) {
			InvalidationSubscription.this.resolver.evictAllLocally();
			InvalidationSubscription.this.resubscriptions.increment();
		}

	}

}
