package dev.blueprint.shortener;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import dev.blueprint.shortener.clicks.RedisClickBuffer;
import dev.blueprint.shortener.storage.CassandraLinkStore;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Every setting of the URL shortener, with its default. Environment variables override
 * them through relaxed binding (e.g. {@code SHORTENER_IDS_BLOCKSIZE=50000}).
 *
 * @param publicBaseUrl base of the short URLs this instance hands out; its host is also
 * refused as a target (redirect loops)
 * @param ids ID leasing and code permutation
 * @param links input limits and link lifecycle
 * @param cache Redis and in-JVM caching
 * @param clicks click counting
 * @param idempotency {@code Idempotency-Key} records
 * @param retryAfter {@code Retry-After} of a 503 while Cassandra is unavailable
 * @param storeReadTimeout how long a link lookup or listing page waits for Cassandra
 * before it counts as unavailable (503): a hung node holds a redirect's thread this long,
 * not the session's 10 s (kept for writes and lightweight transactions)
 * @param benchmarkEndpoint whether {@code GET /_bench/fixed-redirect} (a fixed 302, the
 * benchmark's framework ceiling) is exposed
 */
@ConfigurationProperties("shortener")
public record ShortenerProperties(@DefaultValue("http://localhost:8081") URI publicBaseUrl, @DefaultValue Ids ids,
		@DefaultValue Links links, @DefaultValue Cache cache, @DefaultValue Clicks clicks,
		@DefaultValue Idempotency idempotency, @DefaultValue("5s") Duration retryAfter,
		@DefaultValue("2s") Duration storeReadTimeout, @DefaultValue("false") boolean benchmarkEndpoint) {

	/** The shortest target URL the link rules accept: {@code http://a}. */
	static final int SHORTEST_URL = "http://a".length();

	public ShortenerProperties {
		requireAtLeast("shortener.store-read-timeout", storeReadTimeout, Duration.ofMillis(100), "100ms");
	}

	private static void requireAtLeast(String property, Duration value, Duration minimum, String shown) {
		if (value.compareTo(minimum) < 0) {
			throw new IllegalArgumentException(property + " must be at least " + shown + ", was " + value);
		}
	}

	private static void requireAtLeast(String property, int value, int minimum) {
		if (value < minimum) {
			throw new IllegalArgumentException(property + " must be at least " + minimum + ", was " + value);
		}
	}

	/**
	 * @param blockSize IDs leased from the Cassandra counter at a time
	 * @param refillThreshold remaining IDs at which the next block is leased in the
	 * background
	 * @param permutationKey key of the code permutation; must never change once codes are
	 * issued
	 * @param counter name of the counter row (one per deployment)
	 * @param allowNewCounter start a counter without a row at 0 although links exist:
	 * only when every link is an alias (start-up refuses it otherwise)
	 */
	public record Ids(@DefaultValue("10000") int blockSize, @DefaultValue("5000") int refillThreshold,
			@DefaultValue("6148914691236517205") long permutationKey, @DefaultValue("links") String counter,
			@DefaultValue("false") boolean allowNewCounter) {
	}

	/**
	 * @param maxUrlLength longest accepted target URL, in characters; at least the length
	 * of the shortest URL the rules accept ({@code http://a}, 8), else every create is
	 * refused
	 * @param blockedHosts target hosts refused besides the public host
	 * @param reservedWords aliases refused because they are (or may become) paths of this
	 * service; compared ignoring case
	 * @param expiredRetention how long an expired link keeps answering 410 before its
	 * Cassandra TTL removes it (after that, 404); not negative, or a row would end before
	 * its link expires
	 * @param defaultPageSize page size of the owner listing; 1 to {@code maxPageSize}
	 * @param maxPageSize largest page size a client may ask for; at least 1
	 */
	public record Links(@DefaultValue("2048") int maxUrlLength, @DefaultValue List<String> blockedHosts,
			@DefaultValue( {
					"api", "actuator", "swagger-ui", "swagger-ui.html", "v3", "static", "public", "assets", "css", "js",
					"images", "webjars", "error", "favicon.ico", "robots.txt", "health", "login", "logout", "admin",
					"_bench" }) List<String> reservedWords,
			@DefaultValue("30d") Duration expiredRetention, @DefaultValue("20") int defaultPageSize,
			@DefaultValue("100") int maxPageSize){

		public Links {
			requireAtLeast("shortener.links.max-url-length", maxUrlLength, SHORTEST_URL);
			requireAtLeast("shortener.links.expired-retention", expiredRetention, Duration.ZERO, "0");
			requireAtLeast("shortener.links.default-page-size", defaultPageSize, 1);
			requireAtLeast("shortener.links.max-page-size", maxPageSize, 1);
			if (defaultPageSize > maxPageSize) {
				throw new IllegalArgumentException("shortener.links.default-page-size (" + defaultPageSize
						+ ") must not be larger than shortener.links.max-page-size (" + maxPageSize + ")");
			}
		}

	}

	/**
	 * @param positiveTtl Redis TTL of a found link, also of one about to expire: the
	 * cached target carries its {@code expiresAt}, so it answers 410 from the cache; at
	 * least 1ms (Redis takes it in milliseconds, and refuses {@code PX 0})
	 * @param negativeTtl Redis TTL of an unknown code; at least 1ms
	 * @param leaseTtl how long a loader's lease on a missed key lives in Redis; at least
	 * 1ms
	 * @param leaseWait how long a request that lost the lease race polls for the loader's
	 * value before reading Cassandra itself
	 * @param leasePoll poll interval while waiting; at least 1ms (0 would spin on Redis)
	 * @param nearSize most entries of the in-JVM near-cache; at least 1
	 * @param nearMaxBytes most bytes the near-cache's entries may take, as estimated per
	 * entry (about 256 bytes and its URL's, measured); at least 1KB. A near-cache bounded
	 * by entries alone held up to 100,000 links of 2,048-character URLs, some 230 MB
	 * @param nearTtl how long the near-cache serves an entry without asking Redis while
	 * this instance cannot prove it hears invalidations, and an unknown code always: the
	 * staleness bound when invalidations may be missed
	 * @param nearTtlLive how long the near-cache serves a found link while the
	 * invalidation channel is proven live (a message heard within
	 * {@code invalidationSilence}): deletes and updates evict it sooner
	 * @param invalidationRetry interval at which invalidations that failed (Redis down),
	 * and the subscription to the invalidation channel, are retried; at least 1ms
	 * @param invalidationHeartbeat how often each instance publishes a heartbeat on the
	 * invalidation channel and checks it still hears it; at least 1ms
	 * @param invalidationSilence how long without any message on the invalidation channel
	 * before an instance stops trusting it: it empties its near-cache and falls back to
	 * {@code nearTtl}
	 * @param maxPendingInvalidations invalidations held for retry while Redis is
	 * unavailable (each until the stale entry it removes has expired anyway); beyond it
	 * further ones are dropped and counted; at least 1
	 */
	public record Cache(@DefaultValue("10m") Duration positiveTtl, @DefaultValue("30s") Duration negativeTtl,
			@DefaultValue("2s") Duration leaseTtl, @DefaultValue("500ms") Duration leaseWait,
			@DefaultValue("10ms") Duration leasePoll, @DefaultValue("100000") long nearSize,
			@DefaultValue("64MB") DataSize nearMaxBytes, @DefaultValue("5s") Duration nearTtl,
			@DefaultValue("10m") Duration nearTtlLive, @DefaultValue("1s") Duration invalidationRetry,
			@DefaultValue("1s") Duration invalidationHeartbeat, @DefaultValue("3s") Duration invalidationSilence,
			@DefaultValue("100000") int maxPendingInvalidations) {

		public Cache {
			Duration millisecond = Duration.ofMillis(1);
			requireAtLeast("shortener.cache.positive-ttl", positiveTtl, millisecond, "1ms");
			requireAtLeast("shortener.cache.negative-ttl", negativeTtl, millisecond, "1ms");
			requireAtLeast("shortener.cache.lease-ttl", leaseTtl, millisecond, "1ms");
			requireAtLeast("shortener.cache.lease-poll", leasePoll, millisecond, "1ms");
			requireAtLeast("shortener.cache.invalidation-retry", invalidationRetry, millisecond, "1ms");
			requireAtLeast("shortener.cache.invalidation-heartbeat", invalidationHeartbeat, millisecond, "1ms");
			requireAtLeast("shortener.cache.max-pending-invalidations", maxPendingInvalidations, 1);
			if (nearSize < 1) {
				throw new IllegalArgumentException("shortener.cache.near-size must be at least 1, was " + nearSize);
			}
			if (nearMaxBytes.toBytes() < 1024) {
				throw new IllegalArgumentException(
						"shortener.cache.near-max-bytes must be at least 1KB, was " + nearMaxBytes);
			}
			if (nearTtlLive.compareTo(nearTtl) < 0) {
				throw new IllegalArgumentException("shortener.cache.near-ttl-live (" + nearTtlLive
						+ ") must not be shorter than shortener.cache.near-ttl (" + nearTtl + ")");
			}
			if (invalidationSilence.compareTo(invalidationHeartbeat) <= 0) {
				throw new IllegalArgumentException("shortener.cache.invalidation-silence (" + invalidationSilence
						+ ") must be longer than shortener.cache.invalidation-heartbeat (" + invalidationHeartbeat
						+ ")");
			}
		}

	}

	/**
	 * @param flushInterval how often counted clicks leave this instance's memory (to
	 * Redis's buffer, or straight to Cassandra)
	 * @param maxPendingCodes distinct code-days held in memory: those clicked within
	 * about two flush intervals, plus those waiting while neither Redis nor Cassandra
	 * takes them; beyond it clicks of further code-days are dropped (and counted as
	 * dropped); at least 1
	 * @param redisBuffer whether sums wait in Redis and reach Cassandra at the rollup;
	 * false writes them to Cassandra every flush interval
	 * @param rollupInterval how often buffered clicks move from Redis to Cassandra (one
	 * rollup per interval across all instances): Cassandra's write load, and what a loss
	 * of Redis's data can cost; at least a minute, as the rollup lock holds at least that
	 * long ({@link RedisClickBuffer#LOCK_RENEWAL}), and longer than {@code flushInterval}
	 */
	public record Clicks(@DefaultValue("1s") Duration flushInterval, @DefaultValue("100000") int maxPendingCodes,
			@DefaultValue("true") boolean redisBuffer, @DefaultValue("5m") Duration rollupInterval) {

		public Clicks {
			if (flushInterval.isZero() || flushInterval.isNegative()) {
				throw new IllegalArgumentException(
						"shortener.clicks.flush-interval must be positive, was " + flushInterval);
			}
			if (maxPendingCodes < 1) {
				throw new IllegalArgumentException(
						"shortener.clicks.max-pending-codes must be at least 1, was " + maxPendingCodes);
			}
			requireAtLeast("shortener.clicks.rollup-interval", rollupInterval, RedisClickBuffer.LOCK_RENEWAL, "1m");
			if (rollupInterval.compareTo(flushInterval) <= 0) {
				throw new IllegalArgumentException("shortener.clicks.rollup-interval (" + rollupInterval
						+ ") must be longer than shortener.clicks.flush-interval (" + flushInterval + ")");
			}
		}

	}

	/**
	 * Both are Cassandra TTLs, in whole seconds: at least 1 s (less is {@code TTL 0},
	 * which keeps the record forever) and at most Cassandra's 20 years
	 * ({@link CassandraLinkStore#MAX_TTL}; it refuses a longer one, and the write fails).
	 *
	 * @param ttl how long a completed response is replayed for its key
	 * @param pendingTtl how long a key stays reserved by a request that never completed
	 * (a crash, Cassandra failing mid-request)
	 */
	public record Idempotency(@DefaultValue("24h") Duration ttl, @DefaultValue("60s") Duration pendingTtl) {

		public Idempotency {
			requireTtl("shortener.idempotency.ttl", ttl);
			requireTtl("shortener.idempotency.pending-ttl", pendingTtl);
		}

		private static void requireTtl(String property, Duration ttl) {
			requireAtLeast(property, ttl, Duration.ofSeconds(1), "1s");
			if (ttl.compareTo(CassandraLinkStore.MAX_TTL) > 0) {
				throw new IllegalArgumentException(property + " must be at most "
						+ CassandraLinkStore.MAX_TTL.toSeconds() + "s (20 years, Cassandra's longest TTL), was " + ttl);
			}
		}

	}

}
