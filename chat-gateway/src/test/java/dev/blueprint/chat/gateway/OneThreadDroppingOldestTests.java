package dev.blueprint.chat.gateway.presence;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The presence relay's thread keeps at most its capacity of changes waiting: beyond it
 * the oldest is dropped and counted, the newest kept, and the rest run in arrival order.
 */
class PresenceRelayExecutorTests {

	@Test
	void beyondItsCapacityTheOldestWaitingChangeIsDroppedAndCounted() throws Exception {
		Counter dropped = new SimpleMeterRegistry().counter("dropped");
		ThreadPoolTaskExecutor executor = PresenceRelay.executor(3, dropped);
		executor.initialize();
		try {
			CountDownLatch running = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			List<Integer> ran = new CopyOnWriteArrayList<>();
			executor.execute(() -> {
				running.countDown();
				await(release);
			});
			assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
			for (int change = 1; change <= 5; change++) {
				int id = change;
				executor.execute(() -> ran.add(id));
			}
			assertThat(dropped.count()).as("1 and 2 dropped").isEqualTo(2);
			CountDownLatch done = new CountDownLatch(1);
			executor.execute(done::countDown);
			assertThat(dropped.count()).as("3 dropped for the last one").isEqualTo(3);
			release.countDown();
			assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
			assertThat(ran).as("the newest, in arrival order").containsExactly(4, 5);
		}
		finally {
			executor.shutdown();
		}
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
