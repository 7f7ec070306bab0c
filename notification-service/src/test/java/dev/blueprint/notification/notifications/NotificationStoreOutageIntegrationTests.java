package dev.blueprint.notification.notifications;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.blueprint.notification.support.PushIntegrationTest;
import dev.blueprint.testsupport.TestInfrastructure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cassandra stopped: the notifications API answers 503 with Retry-After, fast, instead of
 * hanging; once Cassandra is back the same calls work and the push listener catches up.
 */
class NotificationStoreOutageIntegrationTests extends PushIntegrationTest {

	@Autowired
	MeterRegistry meters;

	@Test
	void withCassandraDownTheApiAnswers503WithRetryAfterAndRecoversAfter() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		Counter batchFailures = this.meters.counter("blueprint.chat.push.batch.failures");
		double failuresBefore = batchFailures.count();
		TestInfrastructure.stopServer("cassandra");
		UUID conversation = UUID.randomUUID();
		try {
			long start = System.nanoTime();
			HttpResponse<String> list = get(bob, "/api/v1/notifications");
			assertThat(list.statusCode()).as(list.body()).isEqualTo(503);
			assertThat(list.headers().firstValue("Retry-After")).hasValue("5");
			assertThat(list.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
			assertThat(put(bob, "/api/v1/notifications/mutes/" + conversation).statusCode()).isEqualTo(503);
			// Stored while Cassandra is down: the push listener retries the batch.
			persisted(conversation, alice, List.of(alice, bob), 1, "while you were out");
			await("the push listener's failures counted", Duration.ofSeconds(20),
					() -> batchFailures.count() > failuresBefore);
		}
		finally {
			TestInfrastructure.startServer("cassandra");
		}
		await("the API back", Duration.ofSeconds(60), () -> {
			try {
				return get(bob, "/api/v1/notifications").statusCode() == 200;
			}
			catch (Exception ex) {
				return false;
			}
		});
		await("the notification recorded after the outage", Duration.ofSeconds(60),
				() -> !notificationsOf(bob, conversation).isEmpty());
		assertThat(notificationsOf(bob, conversation)).singleElement()
			.satisfies((n) -> assertThat(n).containsEntry("count", 1));
	}

}
