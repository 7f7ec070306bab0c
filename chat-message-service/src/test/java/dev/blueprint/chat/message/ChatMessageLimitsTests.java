package dev.blueprint.chat.message;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.cassandra.autoconfigure.CassandraProperties;
import org.springframework.boot.cassandra.autoconfigure.CassandraProperties.ThrottlerType;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The service's limits at their edges: the REST API's share of Cassandra requests in
 * flight (at least one, below the driver's limit, so that the sequencer always has room)
 * and conversations per user.
 */
class ChatMessageLimitsTests {

	@Test
	void theShareMustStayBelowTheThrottlersRequestsInFlight() {
		CassandraProperties.Throttler throttler = new CassandraProperties.Throttler();
		throttler.setType(ThrottlerType.CONCURRENCY_LIMITING);
		throttler.setMaxConcurrentRequests(1000);

		assertThatNoException().isThrownBy(() -> ChatMessageConfiguration.checkApiShare(999, throttler));
		assertThatIllegalStateException().isThrownBy(() -> ChatMessageConfiguration.checkApiShare(1000, throttler))
			.withMessageContaining("chat.storage.api-requests-in-flight (1000)")
			.withMessageContaining("spring.cassandra.request.throttler.max-concurrent-requests (1000)");
	}

	@Test
	void aThrottlerWithoutItsMaximumHasTheDriversDefault() {
		CassandraProperties.Throttler throttler = new CassandraProperties.Throttler();
		throttler.setType(ThrottlerType.CONCURRENCY_LIMITING);

		assertThatNoException().isThrownBy(() -> ChatMessageConfiguration.checkApiShare(9999, throttler));
		assertThatIllegalStateException().isThrownBy(() -> ChatMessageConfiguration.checkApiShare(10000, throttler))
			.withMessageContaining("max-concurrent-requests (10000)");
	}

	@Test
	void withoutAThrottlerTheShareMustStayBelowTheDriversRequestsPerConnection() {
		CassandraProperties.Throttler none = new CassandraProperties.Throttler();
		none.setType(ThrottlerType.NONE);

		assertThatNoException().isThrownBy(() -> ChatMessageConfiguration.checkApiShare(1023, none));
		assertThatIllegalStateException().isThrownBy(() -> ChatMessageConfiguration.checkApiShare(1024, none))
			.withMessageContaining("(1024)");
	}

	@Test
	void theShareIsAtLeastOneAndTheWaitNotNegative() {
		assertThatNoException().isThrownBy(() -> storage(1, Duration.ZERO));
		assertThatIllegalArgumentException().isThrownBy(() -> storage(0, Duration.ofSeconds(2)))
			.withMessageContaining("chat.storage.api-requests-in-flight must be at least 1");
		assertThatIllegalArgumentException().isThrownBy(() -> storage(8, Duration.ofMillis(-1)))
			.withMessageContaining("chat.storage.api-requests-wait must not be negative");
	}

	@Test
	void aUserMayBeInAtLeastOneConversation() {
		assertThatNoException().isThrownBy(() -> new ChatMessageProperties.Limits(1000, 100, 128, 50, 200, 1, 4096));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ChatMessageProperties.Limits(1000, 100, 128, 50, 200, 0, 4096))
			.withMessageContaining("chat.limits.max-conversations-per-user must be at least 1");
	}

	@Test
	void eachLimitIsRefusedBelowItsLeastValue() {
		assertThatNoException().isThrownBy(() -> new ChatMessageProperties.Limits(2, 1, 1, 1, 1, 1, 4096));
		assertThatIllegalArgumentException().isThrownBy(() -> new ChatMessageProperties.Limits(1, 1, 1, 1, 1, 1, 4096))
			.withMessage("chat.limits.max-group-members must be at least 2, not 1");
		assertThatIllegalArgumentException().isThrownBy(() -> new ChatMessageProperties.Limits(2, 0, 1, 1, 1, 1, 4096))
			.withMessageContaining("chat.limits.max-name-length must be at least 1");
		assertThatIllegalArgumentException().isThrownBy(() -> new ChatMessageProperties.Limits(2, 1, 0, 1, 1, 1, 4096))
			.withMessageContaining("chat.limits.max-user-id-length must be at least 1");
		assertThatIllegalArgumentException().isThrownBy(() -> new ChatMessageProperties.Limits(2, 1, 1, 0, 1, 1, 4096))
			.withMessageContaining("chat.limits.default-page-size must be at least 1");
		assertThatNoException().isThrownBy(() -> new ChatMessageProperties.Limits(2, 1, 1, 50, 50, 1, 4096));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ChatMessageProperties.Limits(2, 1, 1, 50, 49, 1, 4096))
			.withMessageContaining("chat.limits.max-page-size (at least chat.limits.default-page-size) "
					+ "must be at least 50, not 49");
	}

	@Test
	void aBodyLimitIsAtLeastOneByteAndAtMostTheCeiling() {
		assertThatNoException().isThrownBy(() -> new ChatMessageProperties.Limits(2, 1, 1, 1, 1, 1, 1));
		assertThatNoException().isThrownBy(() -> new ChatMessageProperties.Limits(2, 1, 1, 1, 1, 1, 32 * 1024));
		assertThatIllegalArgumentException().isThrownBy(() -> new ChatMessageProperties.Limits(2, 1, 1, 1, 1, 1, 0))
			.withMessageContaining("chat.limits.max-body-bytes must be at least 1");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ChatMessageProperties.Limits(2, 1, 1, 1, 1, 1, 32 * 1024 + 1))
			.withMessageContaining("chat.limits.max-body-bytes must be at most 32768");
	}

	@Test
	void aBucketHoldsAtLeastOneMessage() {
		assertThatNoException()
			.isThrownBy(() -> new ChatMessageProperties.Storage(1, Duration.ofDays(7), 1, Duration.ZERO));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ChatMessageProperties.Storage(0, Duration.ofDays(7), 1, Duration.ZERO))
			.withMessageContaining("chat.storage.bucket-size must be at least 1, not 0");
	}

	private static ChatMessageProperties.Storage storage(int inFlight, Duration wait) {
		return new ChatMessageProperties.Storage(1000, Duration.ofDays(7), inFlight, wait);
	}

}
