package dev.blueprint.notification;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class NotificationPropertiesTests {

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

	private static NotificationProperties replicated(short topicReplication) {
		return new NotificationProperties(Duration.ofSeconds(30), 10, Duration.ofSeconds(1), 100, null,
				push(Duration.ofMillis(500), 65536), topicReplication);
	}

	private static NotificationProperties properties(Duration commitInterval) {
		return properties(commitInterval, 100);
	}

	private static NotificationProperties properties(Duration commitInterval, int deliveriesPerPublish) {
		return new NotificationProperties(Duration.ofSeconds(30), 10, commitInterval, deliveriesPerPublish, null,
				push(Duration.ofMillis(500), 65536), (short) 1);
	}

	private static NotificationProperties.Push push(Duration fetchMaxWait, int fetchMinBytes) {
		return new NotificationProperties.Push("log", "notification-push", 1, 60, fetchMaxWait, fetchMinBytes, 4, 10000,
				null, null, null);
	}

}
