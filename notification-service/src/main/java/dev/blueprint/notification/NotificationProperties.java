package dev.blueprint.notification;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every setting of notification-service, with its default.
 *
 * @param sessionLease how long a gateway session counts without a heartbeat (the same
 * value the gateways use)
 * @param deliveryRetries retries of a batch while Redis fails (after its first attempt),
 * one second apart; after them the batch is skipped (recipients recover the messages from
 * history by seq)
 * @param deliveryCommitInterval how often the delivery listener commits the offsets of
 * the batches it has published (asynchronously; never ahead of a publish). A crash
 * re-publishes up to this much; clients drop a seq they already have
 * @param deliveriesPerPublish deliveries one Redis publish to a gateway carries at most:
 * a polled batch's deliveries for a gateway go in as few publishes as this allows (one
 * Redis message and one wake-up of the gateway's delivery thread each). 1 publishes each
 * delivery alone, the only format gateways from before 2026-12-04 read
 * @param notifications the stored notifications and their REST API
 * @param push sending notifications to users' devices
 * @param topicReplication replication factor of the dead-letter topics this service
 * creates (the same as chat-message-service's {@code chat.topics.replication})
 * @param deliveryMaxAge events stored longer ago than this (their Kafka record's
 * timestamp) are not delivered live but counted and skipped: after a long outage of this
 * service, or a new consumer group starting from the topic's oldest records, the backlog
 * would otherwise be pushed to the gateways ahead of every new message. Clients fill what
 * they missed from history, as after any gap. Positive
 * @param deliveryLookupTimeout how long a batch's lookup of its recipients' sessions
 * waits for Redis: a recipient not answered by then (the Redis node holding their key is
 * down or slow) has their deliveries sent to every gateway rather than holding up the
 * others'. 1 ms to the Redis command timeout ({@code spring.data.redis.timeout})
 * @param deliveryNodeRest how long a Redis node (a cluster node, or the server) that did
 * not answer a lookup in time, or did not take a batch's publishes, is not asked: its
 * recipients' deliveries go to every gateway at once, and publishes through another
 * master. Positive
 */
@ConfigurationProperties("notification")
public record NotificationProperties(@DefaultValue("30s") Duration sessionLease,
		@DefaultValue("10") int deliveryRetries, @DefaultValue("1s") Duration deliveryCommitInterval,
		@DefaultValue("100") int deliveriesPerPublish, @DefaultValue Notifications notifications,
		@DefaultValue Push push, @DefaultValue("1") short topicReplication,
		@DefaultValue("10m") Duration deliveryMaxAge, @DefaultValue("500ms") Duration deliveryLookupTimeout,
		@DefaultValue("5s") Duration deliveryNodeRest) {

	public NotificationProperties {
		if (deliveryCommitInterval.isZero() || deliveryCommitInterval.isNegative()) {
			throw new IllegalArgumentException(
					"notification.delivery-commit-interval must be positive, was " + deliveryCommitInterval);
		}
		if (topicReplication < 1) {
			throw new IllegalArgumentException(
					"notification.topic-replication must be at least 1, was " + topicReplication);
		}
		if (deliveriesPerPublish < 1) {
			throw new IllegalArgumentException(
					"notification.deliveries-per-publish must be at least 1, was " + deliveriesPerPublish);
		}
		atLeast("notification.delivery-retries", deliveryRetries, 0);
		positive("notification.delivery-max-age", deliveryMaxAge);
		positive("notification.delivery-lookup-timeout", deliveryLookupTimeout);
		positive("notification.delivery-node-rest", deliveryNodeRest);
	}

	/**
	 * The lookup timeout, checked against the Redis command timeout.
	 * @throws IllegalArgumentException when it is longer: a read not answered by then has
	 * failed
	 */
	public Duration deliveryLookupTimeoutWithin(Duration redisTimeout) {
		if (this.deliveryLookupTimeout.compareTo(redisTimeout) > 0) {
			throw new IllegalArgumentException("notification.delivery-lookup-timeout must be at most "
					+ "spring.data.redis.timeout (" + redisTimeout + "), was " + this.deliveryLookupTimeout);
		}
		return this.deliveryLookupTimeout;
	}

	static void atLeast(String name, long value, long min) {
		if (value < min) {
			throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
		}
	}

	static void positive(String name, Duration value) {
		if (value.isZero() || value.isNegative()) {
			throw new IllegalArgumentException(name + " must be positive, was " + value);
		}
	}

	/**
	 * @param ttl how long a notification is kept after its last change (Cassandra TTL, in
	 * whole seconds): 1 s to 20 years
	 * @param previewLength characters of the latest message a notification and its push
	 * carry (0: no preview)
	 * @param defaultPageSize notifications listed without {@code limit}
	 * @param maxPageSize largest {@code limit}
	 * @param maxOffset largest {@code offset}
	 */
	public record Notifications(@DefaultValue("30d") Duration ttl, @DefaultValue("100") int previewLength,
			@DefaultValue("20") int defaultPageSize, @DefaultValue("100") int maxPageSize,
			@DefaultValue("1000") int maxOffset) {

		/** Cassandra's largest TTL: 20 years. */
		static final long MAX_TTL_SECONDS = 20L * 365 * 24 * 60 * 60;

		public Notifications {
			// Whole seconds, as Cassandra takes them: under 1 s was USING TTL 0, which
			// keeps rows for ever; above Cassandra's 20 years every write failed.
			if (ttl.toSeconds() < 1 || ttl.toSeconds() > MAX_TTL_SECONDS) {
				throw new IllegalArgumentException("notification.notifications.ttl must be from 1s to "
						+ MAX_TTL_SECONDS + "s (20 years, Cassandra's limit), was " + ttl);
			}
			atLeast("notification.notifications.preview-length", previewLength, 0);
			atLeast("notification.notifications.max-page-size", maxPageSize, 1);
			if (defaultPageSize < 1 || defaultPageSize > maxPageSize) {
				throw new IllegalArgumentException("notification.notifications.default-page-size must be from 1 to "
						+ "max-page-size (" + maxPageSize + "), was " + defaultPageSize);
			}
			atLeast("notification.notifications.max-offset", maxOffset, 0);
		}

	}

	/**
	 * @param provider {@code webhook} (the default) or {@code log} (writes each push to
	 * the log: local use)
	 * @param consumerGroup the push listener's Kafka consumer group, separate from the
	 * live routing's
	 * @param listenerConcurrency consumers in that group per instance
	 * @param listenerRetries retries of a batch (after its first attempt) while Redis or
	 * Cassandra fails, one second apart, so an outage this long loses no notification;
	 * then the batch's notifications are skipped (counted in
	 * {@code blueprint.chat.push.records.skipped})
	 * @param fetchMaxWait how long the push listener's fetch waits for
	 * {@code fetchMinBytes} of new events: pushes are not on the live path, so it takes
	 * larger, rarer batches (each one a Kafka fetch, a Redis look-up and an offset
	 * commit)
	 * @param fetchMinBytes the events a push fetch waits for unless {@code fetchMaxWait}
	 * passes first
	 * @param concurrency pushes sent at once (threads)
	 * @param queueCapacity pushes waiting or retrying at most; beyond it a push is
	 * dead-lettered at once ({@code overflow})
	 * @param webhook the webhook provider
	 * @param retry retries of a failed push
	 * @param circuitBreaker the breaker in front of the webhook
	 */
	public record Push(@DefaultValue("webhook") String provider,
			@DefaultValue("notification-push") String consumerGroup, @DefaultValue("1") int listenerConcurrency,
			@DefaultValue("600") int listenerRetries, @DefaultValue("500ms") Duration fetchMaxWait,
			@DefaultValue("65536") int fetchMinBytes, @DefaultValue("4") int concurrency,
			@DefaultValue("10000") int queueCapacity, @DefaultValue Webhook webhook, @DefaultValue Retry retry,
			@DefaultValue CircuitBreaker circuitBreaker) {

		public Push {
			if (fetchMaxWait.isNegative() || fetchMaxWait.toMillis() > Integer.MAX_VALUE) {
				throw new IllegalArgumentException("notification.push.fetch-max-wait must be within 0ms.."
						+ Integer.MAX_VALUE + "ms, was " + fetchMaxWait);
			}
			if (fetchMinBytes < 0) {
				throw new IllegalArgumentException(
						"notification.push.fetch-min-bytes must be at least 0, was " + fetchMinBytes);
			}
			atLeast("notification.push.listener-concurrency", listenerConcurrency, 1);
			atLeast("notification.push.listener-retries", listenerRetries, 0);
			atLeast("notification.push.concurrency", concurrency, 1);
			atLeast("notification.push.queue-capacity", queueCapacity, 1);
		}

	}

	/**
	 * @param url where pushes are POSTed; required with the webhook provider
	 * @param connectTimeout TCP connect timeout
	 * @param timeout longest wait for a response; a hanging webhook holds a push thread
	 * at most this long
	 */
	public record Webhook(@DefaultValue("") String url, @DefaultValue("2s") Duration connectTimeout,
			@DefaultValue("5s") Duration timeout) {

		public Webhook {
			positive("notification.push.webhook.connect-timeout", connectTimeout);
			positive("notification.push.webhook.timeout", timeout);
		}

	}

	/**
	 * Exponential back-off with jitter: the n-th retry waits
	 * {@code min(maxBackoff, initialBackoff × multiplier^(n-1))}, less a random part of
	 * up to {@code jitter} of it.
	 *
	 * @param maxAttempts sends in all, the first included
	 * @param maxTotal no retry starts later than this after the first send
	 */
	public record Retry(@DefaultValue("6") int maxAttempts, @DefaultValue("1s") Duration initialBackoff,
			@DefaultValue("2.0") double multiplier, @DefaultValue("30s") Duration maxBackoff,
			@DefaultValue("0.5") double jitter, @DefaultValue("2m") Duration maxTotal) {

		public Retry {
			atLeast("notification.push.retry.max-attempts", maxAttempts, 1);
			positive("notification.push.retry.initial-backoff", initialBackoff);
			if (!(multiplier >= 1)) {
				throw new IllegalArgumentException(
						"notification.push.retry.multiplier must be at least 1, was " + multiplier);
			}
			if (maxBackoff.compareTo(initialBackoff) < 0) {
				throw new IllegalArgumentException("notification.push.retry.max-backoff must be at least "
						+ "initial-backoff (" + initialBackoff + "), was " + maxBackoff);
			}
			if (!(jitter >= 0 && jitter <= 1)) {
				throw new IllegalArgumentException("notification.push.retry.jitter must be from 0 to 1, was " + jitter);
			}
			positive("notification.push.retry.max-total", maxTotal);
		}

	}

	/**
	 * Resilience4j, count-based: opens when {@code failureRateThreshold} percent of the
	 * last {@code slidingWindowSize} calls (at least {@code minimumCalls}) failed; while
	 * open, for {@code openFor}, pushes are held back without a request (and without
	 * using an attempt).
	 */
	public record CircuitBreaker(@DefaultValue("50") float failureRateThreshold,
			@DefaultValue("20") int slidingWindowSize, @DefaultValue("10") int minimumCalls,
			@DefaultValue("30s") Duration openFor) {

		public CircuitBreaker {
			if (!(failureRateThreshold > 0 && failureRateThreshold <= 100)) {
				throw new IllegalArgumentException(
						"notification.push.circuit-breaker.failure-rate-threshold must be above 0 and at most 100, "
								+ "was " + failureRateThreshold);
			}
			atLeast("notification.push.circuit-breaker.sliding-window-size", slidingWindowSize, 1);
			atLeast("notification.push.circuit-breaker.minimum-calls", minimumCalls, 1);
			positive("notification.push.circuit-breaker.open-for", openFor);
		}

	}

}
