package dev.blueprint.shortener;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every checked setting at its edge: accepted at the limit, refused just past it with a
 * message naming the property. Bound from property names as an application's
 * configuration is, with every other setting at its default.
 */
class ShortenerPropertiesTests {

	@Test
	void defaultsAreValid() {
		ShortenerProperties properties = bind(Map.of());

		assertThat(properties.storeReadTimeout()).isEqualTo(Duration.ofSeconds(2));
		assertThat(properties.clicks().rollupInterval()).isEqualTo(Duration.ofMinutes(5));
		assertThat(properties.cache().maxPendingInvalidations()).isEqualTo(100_000);
	}

	@Test
	void clickSettingsAreCheckedAtTheirEdgesNamingTheSetting() {
		assertThat(
				new ShortenerProperties.Clicks(Duration.ofMillis(1), 1, true, Duration.ofMinutes(1)).maxPendingCodes())
			.isEqualTo(1);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ShortenerProperties.Clicks(Duration.ofSeconds(1), 0, true, Duration.ofMinutes(5)))
			.withMessage("shortener.clicks.max-pending-codes must be at least 1, was 0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ShortenerProperties.Clicks(Duration.ZERO, 100, true, Duration.ofMinutes(5)))
			.withMessage("shortener.clicks.flush-interval must be positive, was PT0S");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ShortenerProperties.Clicks(Duration.ofMinutes(2), 100, true, Duration.ofMinutes(2)))
			.withMessageStartingWith("shortener.clicks.rollup-interval (PT2M) must be longer than");
	}

	@Test
	void rollupIntervalIsAtLeastTheMinuteTheRollupLockHolds() {
		assertValid("shortener.clicks.rollup-interval", "1m");
		assertRefused("shortener.clicks.rollup-interval", "59999ms",
				"shortener.clicks.rollup-interval must be at least 1m, was PT59.999S");
	}

	@Test
	void redisTtlsAndLeaseTimingsAreAtLeastAMillisecond() {
		for (String property : new String[] { "shortener.cache.positive-ttl", "shortener.cache.negative-ttl",
				"shortener.cache.lease-ttl", "shortener.cache.lease-poll", "shortener.cache.invalidation-retry",
				"shortener.cache.invalidation-heartbeat" }) {
			assertValid(property, "1ms");
			// Redis takes milliseconds: PX 0 is refused, and a poll of 0 spins
			assertRefused(property, "999us", property + " must be at least 1ms, was PT0.000999S");
		}
	}

	@Test
	void atLeastOneInvalidationIsQueued() {
		assertValid("shortener.cache.max-pending-invalidations", "1");
		assertRefused("shortener.cache.max-pending-invalidations", "0",
				"shortener.cache.max-pending-invalidations must be at least 1, was 0");
	}

	@Test
	void theNearCacheHoldsAtLeastOneEntryAndOneKilobyte() {
		assertValid(Map.of("shortener.cache.near-size", "1", "shortener.cache.near-max-bytes", "1KB"));
		assertRefused("shortener.cache.near-size", "0", "shortener.cache.near-size must be at least 1, was 0");
		assertRefused("shortener.cache.near-max-bytes", "1023B",
				"shortener.cache.near-max-bytes must be at least 1KB, was 1023B");
	}

	@Test
	void nearTtlLiveIsNotShorterThanNearTtl() {
		assertValid(Map.of("shortener.cache.near-ttl", "5s", "shortener.cache.near-ttl-live", "5s"));
		assertRefused(Map.of("shortener.cache.near-ttl", "5s", "shortener.cache.near-ttl-live", "4999ms"),
				"shortener.cache.near-ttl-live (PT4.999S) must not be shorter than shortener.cache.near-ttl (PT5S)");
	}

	@Test
	void invalidationSilenceIsLongerThanTheHeartbeat() {
		assertValid(Map.of("shortener.cache.invalidation-heartbeat", "1s", "shortener.cache.invalidation-silence",
				"1001ms"));
		assertRefused(
				Map.of("shortener.cache.invalidation-heartbeat", "1s", "shortener.cache.invalidation-silence", "1s"),
				"shortener.cache.invalidation-silence (PT1S) must be longer than "
						+ "shortener.cache.invalidation-heartbeat (PT1S)");
	}

	@Test
	void storeReadTimeoutIsAtLeast100Milliseconds() {
		assertValid("shortener.store-read-timeout", "100ms");
		assertRefused("shortener.store-read-timeout", "99ms",
				"shortener.store-read-timeout must be at least 100ms, was PT0.099S");
	}

	@Test
	void idempotencyTtlsAreWholeSecondsCassandraKeeps() {
		for (String property : new String[] { "shortener.idempotency.ttl", "shortener.idempotency.pending-ttl" }) {
			// under a second is USING TTL 0: kept forever
			assertValid(property, "1s");
			assertRefused(property, "999ms", property + " must be at least 1s, was PT0.999S");
			// Cassandra refuses a TTL over 20 years
			assertValid(property, "630720000s");
			assertRefused(property, "630720001s",
					property + " must be at most 630720000s (20 years, Cassandra's longest TTL), was PT175200H1S");
		}
	}

	@Test
	void pageSizesAreAtLeastOneAndTheDefaultIsAllowed() {
		assertValid(Map.of("shortener.links.default-page-size", "1", "shortener.links.max-page-size", "1"));
		assertRefused("shortener.links.default-page-size", "0",
				"shortener.links.default-page-size must be at least 1, was 0");
		assertRefused(Map.of("shortener.links.default-page-size", "1", "shortener.links.max-page-size", "0"),
				"shortener.links.max-page-size must be at least 1, was 0");
		assertValid(Map.of("shortener.links.default-page-size", "100", "shortener.links.max-page-size", "100"));
		assertRefused(Map.of("shortener.links.default-page-size", "101", "shortener.links.max-page-size", "100"),
				"shortener.links.default-page-size (101) must not be larger than shortener.links.max-page-size (100)");
	}

	@Test
	void expiredRetentionIsNotNegative() {
		assertValid("shortener.links.expired-retention", "0s");
		assertRefused("shortener.links.expired-retention", "-1ms",
				"shortener.links.expired-retention must be at least 0, was PT-0.001S");
	}

	@Test
	void maxUrlLengthAdmitsTheShortestValidUrl() {
		// http://a
		assertValid("shortener.links.max-url-length", "8");
		assertRefused("shortener.links.max-url-length", "7",
				"shortener.links.max-url-length must be at least 8, was 7");
	}

	private static ShortenerProperties bind(Map<String, String> properties) {
		return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate("shortener",
				ShortenerProperties.class);
	}

	private static void assertValid(String property, String value) {
		assertValid(Map.of(property, value));
	}

	private static void assertValid(Map<String, String> properties) {
		assertThat(bind(properties)).isNotNull();
	}

	private static void assertRefused(String property, String value, String message) {
		assertRefused(Map.of(property, value), message);
	}

	private static void assertRefused(Map<String, String> properties, String message) {
		assertThatThrownBy(() -> bind(new LinkedHashMap<>(properties))).rootCause()
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage(message);
	}

}
