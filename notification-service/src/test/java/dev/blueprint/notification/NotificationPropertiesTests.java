package dev.blueprint.notification;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class NotificationPropertiesTests {

	private static final Duration LOOKUP = Duration.ofMillis(500);

	private static final Duration REST = Duration.ofSeconds(5);

	@Test
	void theDeliveryCommitIntervalMustBePositive() {
		assertThat(properties(Duration.ofMillis(1)).deliveryCommitInterval()).isEqualTo(Duration.ofMillis(1));
		assertThatIllegalArgumentException().isThrownBy(() -> properties(Duration.ZERO))
			.withMessage("notification.delivery-commit-interval must be positive, was PT0S");
		assertThatIllegalArgumentException().isThrownBy(() -> properties(Duration.ofSeconds(-1)))
			.withMessage("notification.delivery-commit-interval must be positive, was PT-1S");
	}

	@Test
	void thePushFetchWaitIsWithinWhatKafkaTakes() {
		assertThat(push(Duration.ZERO, 0).fetchMaxWait()).isZero();
		assertThat(push(Duration.ofMillis(Integer.MAX_VALUE), 0).fetchMaxWait())
			.isEqualTo(Duration.ofMillis(Integer.MAX_VALUE));
		assertThatIllegalArgumentException().isThrownBy(() -> push(Duration.ofMillis(-1), 0))
			.withMessage("notification.push.fetch-max-wait must be within 0ms..2147483647ms, was PT-0.001S");
		assertThatIllegalArgumentException().isThrownBy(() -> push(Duration.ofMillis(Integer.MAX_VALUE + 1L), 0))
			.withMessageStartingWith("notification.push.fetch-max-wait must be within 0ms..2147483647ms");
	}

	@Test
	void thePushFetchMinBytesIsNotNegative() {
		assertThat(push(Duration.ofMillis(500), 0).fetchMinBytes()).isZero();
		assertThatIllegalArgumentException().isThrownBy(() -> push(Duration.ofMillis(500), -1))
			.withMessage("notification.push.fetch-min-bytes must be at least 0, was -1");
	}

	@Test
	void aPublishCarriesAtLeastOneDelivery() {
		assertThat(properties(Duration.ofSeconds(1), 1).deliveriesPerPublish()).isEqualTo(1);
		assertThatIllegalArgumentException().isThrownBy(() -> properties(Duration.ofSeconds(1), 0))
			.withMessage("notification.deliveries-per-publish must be at least 1, was 0");
	}

	@Test
	void theDeadLetterTopicsHaveAtLeastOneReplica() {
		assertThat(replicated((short) 1).topicReplication()).isEqualTo((short) 1);
		assertThatIllegalArgumentException().isThrownBy(() -> replicated((short) 0))
			.withMessage("notification.topic-replication must be at least 1, was 0");
	}

	@Test
	void everyCountSizeAndDurationIsCheckedNamingItsSetting() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new NotificationProperties(Duration.ofSeconds(30), -1, Duration.ofSeconds(1), 100, null,
					null, (short) 1, Duration.ofMinutes(10), LOOKUP, REST))
			.withMessage("notification.delivery-retries must be at least 0, was -1");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new NotificationProperties(Duration.ofSeconds(30), 10, Duration.ofSeconds(1), 100, null,
					null, (short) 1, Duration.ZERO, LOOKUP, REST))
			.withMessage("notification.delivery-max-age must be positive, was PT0S");
		assertThatIllegalArgumentException()
			.isThrownBy(
					() -> new NotificationProperties.Push("log", "g", 1, 60, Duration.ZERO, 0, 4, 0, null, null, null))
			.withMessage("notification.push.queue-capacity must be at least 1, was 0");
		assertThatIllegalArgumentException()
			.isThrownBy(
					() -> new NotificationProperties.Push("log", "g", 1, 60, Duration.ZERO, 0, 0, 1, null, null, null))
			.withMessage("notification.push.concurrency must be at least 1, was 0");
		assertThatIllegalArgumentException()
			.isThrownBy(
					() -> new NotificationProperties.Push("log", "g", 0, 60, Duration.ZERO, 0, 1, 1, null, null, null))
			.withMessage("notification.push.listener-concurrency must be at least 1, was 0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new NotificationProperties.Notifications(Duration.ofDays(30), 100, 101, 100, 1000))
			.withMessage("notification.notifications.default-page-size must be from 1 to max-page-size (100), was 101");
		assertThat(new NotificationProperties.Notifications(Duration.ofDays(30), 0, 100, 100, 0).defaultPageSize())
			.isEqualTo(100);
		assertThat(new NotificationProperties.Notifications(Duration.ofSeconds(1), 0, 20, 100, 0).ttl()).hasSeconds(1);
		assertThat(new NotificationProperties.Notifications(Duration.ofDays(7300), 0, 20, 100, 0).ttl()).hasDays(7300);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new NotificationProperties.Notifications(Duration.ofMillis(999), 0, 20, 100, 0))
			.withMessage("notification.notifications.ttl must be from 1s to 630720000s (20 years, Cassandra's limit), "
					+ "was PT0.999S");
		assertThatIllegalArgumentException().isThrownBy(
				() -> new NotificationProperties.Notifications(Duration.ofDays(7300).plusSeconds(1), 0, 20, 100, 0));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new NotificationProperties.Retry(6, Duration.ofSeconds(1), 2, Duration.ofMillis(999), 0.5,
					Duration.ofMinutes(2)))
			.withMessage("notification.push.retry.max-backoff must be at least initial-backoff (PT1S), was PT0.999S");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new NotificationProperties.Retry(6, Duration.ofSeconds(1), 2, Duration.ofSeconds(30), 1.5,
					Duration.ofMinutes(2)))
			.withMessage("notification.push.retry.jitter must be from 0 to 1, was 1.5");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new NotificationProperties.Webhook("", Duration.ofSeconds(2), Duration.ZERO))
			.withMessage("notification.push.webhook.timeout must be positive, was PT0S");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new NotificationProperties.CircuitBreaker(0, 20, 10, Duration.ofSeconds(30)))
			.withMessageStartingWith("notification.push.circuit-breaker.failure-rate-threshold must be above 0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new NotificationProperties.CircuitBreaker(50, 20, 10, Duration.ZERO))
			.withMessage("notification.push.circuit-breaker.open-for must be positive, was PT0S");
	}

	@Test
	void theLookupTimeoutIsPositiveAndWithinTheRedisTimeoutAndTheNodeRestPositive() {
		assertThat(delivery(Duration.ofMillis(1), REST).deliveryLookupTimeout()).isEqualTo(Duration.ofMillis(1));
		assertThatIllegalArgumentException().isThrownBy(() -> delivery(Duration.ZERO, REST))
			.withMessage("notification.delivery-lookup-timeout must be positive, was PT0S");
		assertThat(delivery(Duration.ofSeconds(2), REST).deliveryLookupTimeoutWithin(Duration.ofSeconds(2)))
			.isEqualTo(Duration.ofSeconds(2));
		assertThatIllegalArgumentException()
			.isThrownBy(
					() -> delivery(Duration.ofMillis(2001), REST).deliveryLookupTimeoutWithin(Duration.ofSeconds(2)))
			.withMessage("notification.delivery-lookup-timeout must be at most spring.data.redis.timeout (PT2S), "
					+ "was PT2.001S");
		assertThat(delivery(LOOKUP, Duration.ofMillis(1)).deliveryNodeRest()).isEqualTo(Duration.ofMillis(1));
		assertThatIllegalArgumentException().isThrownBy(() -> delivery(LOOKUP, Duration.ZERO))
			.withMessage("notification.delivery-node-rest must be positive, was PT0S");
	}

	private static NotificationProperties delivery(Duration lookupTimeout, Duration nodeRest) {
		return new NotificationProperties(Duration.ofSeconds(30), 10, Duration.ofSeconds(1), 100, null, null, (short) 1,
				Duration.ofMinutes(10), lookupTimeout, nodeRest);
	}

	private static NotificationProperties replicated(short topicReplication) {
		return new NotificationProperties(Duration.ofSeconds(30), 10, Duration.ofSeconds(1), 100, null,
				push(Duration.ofMillis(500), 65536), topicReplication, Duration.ofMinutes(10), LOOKUP, REST);
	}

	private static NotificationProperties properties(Duration commitInterval) {
		return properties(commitInterval, 100);
	}

	private static NotificationProperties properties(Duration commitInterval, int deliveriesPerPublish) {
		return new NotificationProperties(Duration.ofSeconds(30), 10, commitInterval, deliveriesPerPublish, null,
				push(Duration.ofMillis(500), 65536), (short) 1, Duration.ofMinutes(10), LOOKUP, REST);
	}

	private static NotificationProperties.Push push(Duration fetchMaxWait, int fetchMinBytes) {
		return new NotificationProperties.Push("log", "notification-push", 1, 60, fetchMaxWait, fetchMinBytes, 4, 10000,
				null, null, null);
	}

}
