package dev.blueprint.platform.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaClusterHealthIndicatorTests {

	@Test
	void reportsDownWithinTheTimeoutWhenNoBrokerAnswers() throws Exception {
		KafkaClusterHealthIndicator indicator = new KafkaClusterHealthIndicator(
				Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, UnusedAddress.next()), Duration.ofMillis(500));
		try {
			long start = System.nanoTime();
			Health health = indicator.health(true);

			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("error", "No answer from the cluster within 500 ms");
			// Far below the admin client's 60 s default API timeout; generous for the
			// first
			// call's class loading on a busy 2-core machine (3.3 s seen under load).
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
		}
		finally {
			indicator.destroy();
		}
	}

	@Test
	void startsAFreshClientAfterAFailedCheck() throws Exception {
		Map<String, Object> configuration = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, UnusedAddress.next());
		AtomicInteger created = new AtomicInteger();
		KafkaClusterHealthIndicator indicator = new KafkaClusterHealthIndicator(() -> {
			created.incrementAndGet();
			return Admin.create(configuration);
		}, Duration.ofMillis(300));
		try {
			indicator.health(true);
			indicator.health(true);

			assertThat(created).hasValue(2);
		}
		finally {
			indicator.destroy();
		}
	}

}
