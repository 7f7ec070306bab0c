package dev.blueprint.shortener.cache;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.shortener.ShortenerProperties;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.test.util.ReflectionTestUtils;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * The threads that handle invalidation messages: the listener container's default
 * executor started one per message, and a queue of invalidations retried after a Redis
 * outage reaches every instance at once. {@code NearCacheLivenessIntegrationTests} and
 * {@code CacheIntegrationTests} hear them through the real Redis.
 */
class InvalidationSubscriptionTests {

	@Test
	void theContainerHandlesMessagesOnTheSubscriptionsOneBoundedThread() {
		ShortenerProperties.Cache properties = new ShortenerProperties.Cache(Duration.ofMinutes(10),
				Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofMillis(10), 1000,
				DataSize.ofMegabytes(64), Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(1),
				Duration.ofSeconds(1), Duration.ofSeconds(3), 100_000);
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		RedisLinkCache cache = new RedisLinkCache(mock(StringRedisTemplate.class), properties,
				CircuitBreaker.ofDefaults("redis"), Clock.systemUTC(), meters);
		InvalidationSubscription subscription = new InvalidationSubscription(mock(RedisConnectionFactory.class),
				new LinkResolver(properties, cache, (code) -> Optional.empty(), meters), cache,
				mock(ScheduledExecutorService.class), properties, meters);
		subscription.start();

		RedisMessageListenerContainer container = subscription.newContainer();

		assertThat(ReflectionTestUtils.getField(container, "taskExecutor"))
			.isInstanceOfSatisfying(ThreadPoolExecutor.class, (executor) -> {
				assertThat(executor.getMaximumPoolSize()).isEqualTo(1);
				assertThat(executor.getQueue().remainingCapacity()).isEqualTo(InvalidationSubscription.LISTENER_QUEUE);
				assertThat(executor.getRejectedExecutionHandler())
					.isInstanceOf(ThreadPoolExecutor.CallerRunsPolicy.class);
				subscription.stop();
				assertThat(executor.isShutdown()).isTrue();
			});
	}

	@Test
	void aBurstBeyondTheQueueIsHandledByTheReceivingThreadAndNoneIsLost() throws InterruptedException {
		ThreadPoolExecutor executor = InvalidationSubscription.listenerExecutor();
		CountDownLatch busy = new CountDownLatch(1);
		executor.execute(() -> awaitQuietly(busy));
		AtomicInteger handled = new AtomicInteger();
		int beyond = 100;

		for (int i = 0; i < InvalidationSubscription.LISTENER_QUEUE + beyond; i++) {
			executor.execute(handled::incrementAndGet);
		}

		// the listener thread is busy and its queue full: the sender ran the rest
		assertThat(handled).hasValue(beyond);
		busy.countDown();
		executor.shutdown();
		assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		assertThat(handled).hasValue(InvalidationSubscription.LISTENER_QUEUE + beyond);
		assertThat(executor.getLargestPoolSize()).isEqualTo(1);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
