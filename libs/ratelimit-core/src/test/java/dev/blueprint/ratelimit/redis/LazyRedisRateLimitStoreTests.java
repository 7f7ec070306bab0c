package dev.blueprint.ratelimit.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.blueprint.ratelimit.core.Algorithm;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitStoreException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Connecting while Redis hangs (a server that takes connections and answers nothing): the
 * decisions that come meanwhile share one attempt and its failure, instead of each
 * waiting out an attempt of its own in turn.
 */
class LazyRedisRateLimitStoreTests {

	private static final Duration TIMEOUT = Duration.ofMillis(250);

	private static final List<Limit> LIMITS = List.of(Limit.of(Algorithm.FIXED_WINDOW, 10, Duration.ofMinutes(1)));

	@Test
	void decisionsWhileAConnectionAttemptRunsShareItAndItsFailure() throws Exception {
		List<Socket> accepted = new CopyOnWriteArrayList<>();
		ExecutorService callers = Executors.newFixedThreadPool(6);
		try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			Thread acceptor = new Thread(() -> {
				while (!silent.isClosed()) {
					try {
						accepted.add(silent.accept());
					}
					catch (IOException ex) {
						return;
					}
				}
			});
			acceptor.setDaemon(true);
			acceptor.start();
			RedisClientFactory factory = RedisClientFactory.standalone(
					RedisClientFactory.uri("127.0.0.1", silent.getLocalPort(), null, null, false, TIMEOUT), TIMEOUT);
			try (LazyRedisRateLimitStore store = LazyRedisRateLimitStore.of(factory)) {
				CountDownLatch start = new CountDownLatch(1);
				List<CompletableFuture<Throwable>> decisions = new ArrayList<>();
				for (int i = 0; i < 6; i++) {
					String bucket = "b" + i;
					decisions.add(CompletableFuture.supplyAsync(() -> {
						try {
							start.await();
							store.acquire(bucket, LIMITS, 1);
							return null;
						}
						catch (Throwable ex) {
							return ex;
						}
					}, callers));
				}
				long began = System.nanoTime();
				start.countDown();
				for (CompletableFuture<Throwable> decision : decisions) {
					assertThat(decision.get(30, TimeUnit.SECONDS)).isInstanceOf(RateLimitStoreException.class);
				}
				Duration took = Duration.ofNanos(System.nanoTime() - began);

				// one handshake timeout (2 s at least), not six in turn
				assertThat(took).isLessThan(Duration.ofSeconds(6));
				assertThat(accepted).as("one connection attempt").hasSize(1);
				assertThatExceptionOfType(RateLimitStoreException.class).as("the next decision tries again")
					.isThrownBy(() -> store.acquire("again", LIMITS, 1));
				assertThat(accepted).hasSize(2);
			}
		}
		finally {
			callers.shutdownNow();
			for (Socket socket : accepted) {
				socket.close();
			}
		}
	}

}
