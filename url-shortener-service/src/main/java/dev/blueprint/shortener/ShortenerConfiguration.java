package dev.blueprint.shortener;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.shortener.cache.InvalidationSubscription;
import dev.blueprint.shortener.cache.LinkResolver;
import dev.blueprint.shortener.cache.RedisLinkCache;
import dev.blueprint.shortener.clicks.ClickCounter;
import dev.blueprint.shortener.clicks.ClickStats;
import dev.blueprint.shortener.clicks.RedisClickBuffer;
import dev.blueprint.shortener.ids.CodeGenerator;
import dev.blueprint.shortener.ids.CodePermutation;
import dev.blueprint.shortener.ids.IdAllocator;
import dev.blueprint.shortener.links.Link;
import dev.blueprint.shortener.links.LinkRules;
import dev.blueprint.shortener.links.LinkService;
import dev.blueprint.shortener.links.RedirectTarget;
import dev.blueprint.shortener.storage.CassandraClickStore;
import dev.blueprint.shortener.storage.CassandraIdBlockSource;
import dev.blueprint.shortener.storage.CassandraIdempotencyStore;
import dev.blueprint.shortener.storage.CassandraLinkStore;
import dev.blueprint.shortener.storage.ShortenerSchema;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.lettuce.core.ClientOptions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/** Wires the plain-Java parts (IDs, rules) to Cassandra, Redis and the web layer. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ShortenerProperties.class)
class ShortenerConfiguration {

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	@Bean(destroyMethod = "shutdown")
	ScheduledExecutorService shortenerBackground() {
		return Executors.newScheduledThreadPool(2, (task) -> {
			Thread thread = new Thread(task, "shortener-background");
			thread.setDaemon(true);
			return thread;
		});
	}

	/** The schema migration, run before any statement is prepared. */
	@Bean
	SchemaMigrated schemaMigrated(CqlSession session) {
		ShortenerSchema.migrate(session);
		return new SchemaMigrated();
	}

	@Bean
	CassandraLinkStore cassandraLinkStore(CqlSession session, SchemaMigrated schema, ShortenerProperties properties) {
		return new CassandraLinkStore(session, properties.storeReadTimeout());
	}

	@Bean
	CassandraClickStore cassandraClickStore(CqlSession session, SchemaMigrated schema, ShortenerProperties properties) {
		return new CassandraClickStore(session, properties.storeReadTimeout());
	}

	@Bean
	CassandraIdempotencyStore cassandraIdempotencyStore(CqlSession session, SchemaMigrated schema) {
		return new CassandraIdempotencyStore(session);
	}

	@Bean
	CodeGenerator codeGenerator(CqlSession session, SchemaMigrated schema, ShortenerProperties properties,
			ScheduledExecutorService shortenerBackground, MeterRegistry meters) {
		ShortenerProperties.Ids ids = properties.ids();
		CassandraIdBlockSource counter = new CassandraIdBlockSource(session, ids.counter());
		counter.requireCounterOrNoLinks(ids.allowNewCounter());
		Counter leases = Counter.builder("blueprint.shortener.ids.leases")
			.description("ID blocks leased from the Cassandra counter")
			.register(meters);
		IdAllocator allocator = new IdAllocator((size) -> {
			var block = counter.lease(size);
			leases.increment();
			return block;
		}, ids.blockSize(), ids.refillThreshold(), shortenerBackground);
		CodeGenerator generator = new CodeGenerator(allocator, new CodePermutation(ids.permutationKey()));
		meters.gauge("blueprint.shortener.ids.remaining", generator, CodeGenerator::remainingInBlock);
		return generator;
	}

	@Bean
	LinkRules linkRules(ShortenerProperties properties) {
		ShortenerProperties.Links links = properties.links();
		// the row outlives expiresAt by the retention, and must still end in time
		return new LinkRules(properties.publicBaseUrl(), links.maxUrlLength(), links.blockedHosts(),
				links.reservedWords(), (now) -> CassandraLinkStore.latestExpiry(now).minus(links.expiredRetention()));
	}

	@Bean
	LettuceClientOptionsBuilderCustomizer failFastWhileDisconnected() {
		// Lettuce queues commands while reconnecting by default, so every call would wait
		// for the command timeout; rejecting them lets the circuit breaker see failures
		// at once
		return (options) -> options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
	}

	@Bean
	RedisLinkCache redisLinkCache(StringRedisTemplate redis, ShortenerProperties properties,
			CircuitBreakerRegistry breakers, Clock clock, ScheduledExecutorService shortenerBackground,
			MeterRegistry meters) {
		RedisLinkCache cache = new RedisLinkCache(redis, properties.cache(), breakers.circuitBreaker("redis"), clock,
				meters);
		long retry = properties.cache().invalidationRetry().toMillis();
		shortenerBackground.scheduleWithFixedDelay(cache::retryPendingInvalidations, retry, retry,
				TimeUnit.MILLISECONDS);
		return cache;
	}

	/**
	 * The redirect path's reads go through the {@code cassandra} circuit breaker: while
	 * Cassandra fails or hangs, an uncached redirect is a 503 at once instead of a thread
	 * held for the read's timeout.
	 */
	@Bean
	LinkResolver linkResolver(ShortenerProperties properties, RedisLinkCache redisLinkCache, CassandraLinkStore links,
			CircuitBreakerRegistry breakers, MeterRegistry meters) {
		Counter reads = Counter.builder("blueprint.shortener.store.reads")
			.description("Link reads from Cassandra on the redirect path")
			.register(meters);
		CircuitBreaker cassandra = breakers.circuitBreaker("cassandra");
		Function<String, Optional<RedirectTarget>> store = (code) -> cassandra.executeSupplier(() -> {
			reads.increment();
			return links.find(code).map(Link::target);
		});
		return new LinkResolver(properties.cache(), redisLinkCache, store, meters);
	}

	/**
	 * The invalidation channel's heartbeat and silence check get a thread of their own:
	 * on {@code shortenerBackground} a click flush writing to a slow Cassandra and an ID
	 * block prefetch could hold both threads, and the check would come late, beyond the
	 * stated bound of a missed delete (silence + one heartbeat).
	 */
	@Bean
	InvalidationSubscription invalidationSubscription(RedisConnectionFactory connectionFactory, LinkResolver resolver,
			RedisLinkCache redisLinkCache, ScheduledExecutorService invalidationScheduler,
			ShortenerProperties properties, MeterRegistry meters) {
		return new InvalidationSubscription(connectionFactory, resolver, redisLinkCache, invalidationScheduler,
				properties.cache(), meters);
	}

	@Bean(destroyMethod = "shutdown")
	ScheduledExecutorService invalidationScheduler() {
		return singleDaemonThread("shortener-invalidation");
	}

	private static ScheduledExecutorService singleDaemonThread(String name) {
		return Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, name);
			thread.setDaemon(true);
			return thread;
		});
	}

	/**
	 * A {@link org.springframework.context.SmartLifecycle}: a shutdown stops its rollups
	 * in {@link RedisClickBuffer#PHASE}, before the Redis connection factory stops (and
	 * before any bean, the Cassandra session too, is destroyed), so a rollup in progress
	 * finishes its chunk in both and stops. {@code close} again on destroy is a no-op
	 * then; it still stops rollups if the context fails before its lifecycle started.
	 */
	@Bean(destroyMethod = "close")
	RedisClickBuffer redisClickBuffer(StringRedisTemplate redis, CassandraClickStore clicks,
			CircuitBreakerRegistry breakers, ShortenerProperties properties, ScheduledExecutorService clickRollups,
			MeterRegistry meters) {
		Duration interval = properties.clicks().rollupInterval();
		RedisClickBuffer buffer = new RedisClickBuffer(redis, clicks, breakers.circuitBreaker("redis"), interval,
				meters);
		clickRollups.scheduleWithFixedDelay(buffer::rollUp, interval.toMillis(), interval.toMillis(),
				TimeUnit.MILLISECONDS);
		return buffer;
	}

	/**
	 * Rollups get a thread of their own: one after a Cassandra outage can take minutes,
	 * and must not hold up the click flush or the cache's background work.
	 */
	@Bean(destroyMethod = "shutdown")
	ScheduledExecutorService clickRollups() {
		return singleDaemonThread("shortener-click-rollup");
	}

	/**
	 * Its Cassandra writes go through the {@code cassandra} circuit breaker, and a flush
	 * (also the one at shutdown) takes at most {@link ClickCounter#FLUSH_LIMIT}.
	 */
	@Bean(destroyMethod = "flush")
	ClickCounter clickCounter(CassandraClickStore clicks, RedisClickBuffer buffer, CircuitBreakerRegistry breakers,
			Clock clock, ShortenerProperties properties, ScheduledExecutorService shortenerBackground,
			MeterRegistry meters) {
		ShortenerProperties.Clicks settings = properties.clicks();
		ClickCounter counter = new ClickCounter(clicks, settings.redisBuffer() ? buffer : null,
				breakers.circuitBreaker("cassandra"), clock, settings.maxPendingCodes(), ClickCounter.FLUSH_LIMIT,
				meters);
		long interval = settings.flushInterval().toMillis();
		shortenerBackground.scheduleWithFixedDelay(counter::flush, interval, interval, TimeUnit.MILLISECONDS);
		return counter;
	}

	@Bean
	LinkService linkService(LinkRules rules, CodeGenerator codes, CassandraLinkStore links, CassandraClickStore clicks,
			RedisClickBuffer clickBuffer, CassandraIdempotencyStore idempotency, RedisLinkCache cache,
			LinkResolver resolver, JsonMapper json, Clock clock, ShortenerProperties properties, MeterRegistry meters,
			CircuitBreakerRegistry breakers) {
		return new LinkService(rules, codes, links, new ClickStats(clicks, clickBuffer, clock), idempotency, cache,
				resolver, json, clock, properties, meters, breakers.circuitBreaker("cassandra"));
	}

	/** Marker: the tables exist. */
	static final class SchemaMigrated {

	}

}
