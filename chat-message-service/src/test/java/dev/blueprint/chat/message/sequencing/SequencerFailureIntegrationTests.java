package dev.blueprint.chat.message.sequencing;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import dev.blueprint.chat.message.support.ChatIntegrationTest;
import dev.blueprint.testsupport.TestInfrastructure;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cassandra stopped while messages keep arriving: the sequencer stores nothing, publishes
 * nothing and commits no offset; once Cassandra is back it catches up with every message,
 * in order, each once.
 */
class SequencerFailureIntegrationTests extends ChatIntegrationTest {

	@org.springframework.beans.factory.annotation.Autowired
	io.micrometer.core.instrument.MeterRegistry meters;

	@Test
	void withCassandraDownNothingIsPublishedAndAfterItEveryMessageIsStoredOnceInOrder() throws Exception {
		String alice = unique("alice");
		UUID conversation = conversation(alice, "direct", unique("bob"));
		for (int i = 1; i <= 5; i++) {
			submit(conversation, alice, "before-" + i, "before " + i);
		}
		awaitEvents(conversation, 5, Duration.ofSeconds(30));

		double failures = batchFailures();
		TestInfrastructure.stopServer("cassandra");
		try {
			for (int i = 1; i <= 20; i++) {
				submit(conversation, alice, "during-" + i, "during " + i);
			}
			submit(conversation, alice, "before-3", "before 3");
			assertThat(eventsDuring(conversation, Duration.ofSeconds(8))).hasSize(5);
			HttpResponse<String> history = get(alice, "/api/v1/conversations/" + conversation + "/messages");
			assertThat(history.statusCode()).isEqualTo(503);
			assertThat(history.headers().firstValue("Retry-After")).isPresent();
			assertThat(batchFailures()).as("failed batches counted, for the alert").isGreaterThan(failures);
		}
		finally {
			TestInfrastructure.startServer("cassandra");
		}

		List<ChatEvent> events = awaitEvents(conversation, 26, Duration.ofSeconds(120));
		assertThat(events).hasSize(26);
		assertThat(events.subList(5, 25)).extracting((event) -> ((MessagePersisted) event).seq())
			.containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(6, 25).boxed().toList());
		MessagePersisted retried = (MessagePersisted) events.get(25);
		assertThat(retried.duplicate()).isTrue();
		assertThat(retried.seq()).isEqualTo(3);
		List<Integer> stored = json(get(alice, "/api/v1/conversations/" + conversation + "/messages?after=0&limit=200"),
				"$[*].seq");
		assertThat(stored).containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 25).boxed().toList());
	}

	private double batchFailures() {
		return this.meters.counter("blueprint.chat.sequencer.batch.failures").count();
	}

}
