package dev.blueprint.chat.gateway;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delivery and presence threads keep at most their capacity of tasks waiting: beyond
 * it the oldest is dropped and counted, the newest kept, and the rest run in arrival
 * order.
 */
class OneThreadDroppingOldestTests {

	@Test
	void beyondItsCapacityTheOldestWaitingTaskIsDroppedAndCounted() throws Exception {
		MeterRegistry meters = new SimpleMeterRegistry();
		ThreadPoolTaskExecutor executor = GatewayConfiguration.oneThreadDroppingOldest("delivery", 3, "dropped",
				meters);
		Counter dropped = meters.get("blueprint.chat.gateway.delivery.dropped").counter();
		Gauge waiting = meters.get("blueprint.chat.gateway.delivery.waiting").gauge();
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
			assertThat(waiting.value()).isEqualTo(3);
			CountDownLatch done = new CountDownLatch(1);
			executor.execute(done::countDown);
			assertThat(dropped.count()).as("3 dropped for the last one").isEqualTo(3);
			release.countDown();
			assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
			assertThat(ran).as("the newest, in arrival order").containsExactly(4, 5);
			assertThat(waiting.value()).isZero();
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
