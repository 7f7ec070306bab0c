package dev.blueprint.chat.message.web;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import dev.blueprint.chat.contracts.ChatEvent.MessageRejected;
import dev.blueprint.chat.message.support.ChatIntegrationTest;
import dev.blueprint.testsupport.TestInfrastructure;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka stopped while members are added and removed: each call answers 503 problem+json
 * with {@code Retry-After} (the change could not reach the message log) and changes
 * nothing; repeating it once Kafka is back finishes it — the sequencer, which takes
 * members from the log only, then accepts the added member and refuses the removed one.
 */
class MembershipKafkaFailureIntegrationTests extends ChatIntegrationTest {

	@Test
	void aMembershipChangeThatCannotReachTheLogAnswers503AndRepeatingItFinishesIt() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String xavier = unique("xavier");
		UUID conversation = conversation(alice, "group", bob);
		String members = "/api/v1/conversations/" + conversation + "/members/";

		TestInfrastructure.stopServer("kafka");
		try {
			HttpResponse<String> add = post(alice, members + xavier, "");
			assertThat(add.statusCode()).isEqualTo(503);
			assertThat(add.headers().firstValue("Content-Type"))
				.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
			assertThat(add.headers().firstValue("Retry-After")).hasValue("5");
			HttpResponse<String> remove = delete(alice, members + bob);
			assertThat(remove.statusCode()).isEqualTo(503);
			assertThat(remove.headers().firstValue("Retry-After")).hasValue("5");
		}
		finally {
			TestInfrastructure.startServer("kafka");
		}

		// Nothing was announced, so nothing changed: for the sequencer xavier is not a
		// member and bob is.
		submit(conversation, xavier, "x-0", "am I in?");
		submit(conversation, bob, "b-0", "still in");
		List<ChatEvent> before = awaitEvents(conversation, 2, Duration.ofSeconds(60));
		assertThat(before.get(0)).isInstanceOf(MessageRejected.class);
		assertThat(before.get(1)).isInstanceOfSatisfying(MessagePersisted.class,
				(persisted) -> assertThat(persisted.seq()).isEqualTo(1));
		List<String> listed = json(get(alice, "/api/v1/conversations/" + conversation), "$.members");
		assertThat(listed).contains(bob).doesNotContain(xavier);
		// Repeated: both reach the log, and the sequencer applies them.
		assertThat(awaitStatus(() -> post(alice, members + xavier, ""), 200, Duration.ofSeconds(60))).isTrue();
		assertThat(delete(alice, members + bob).statusCode()).isEqualTo(204);
		submit(conversation, xavier, "x-1", "hello");
		submit(conversation, bob, "b-1", "still here?");
		List<ChatEvent> events = awaitEvents(conversation, 4, Duration.ofSeconds(60)).subList(2, 4);
		assertThat(events.get(0)).isInstanceOfSatisfying(MessagePersisted.class,
				(persisted) -> assertThat(persisted.seq()).isEqualTo(2));
		assertThat(events.get(1)).isInstanceOfSatisfying(MessageRejected.class,
				(rejected) -> assertThat(rejected.code()).isEqualTo(ChatErrorCodes.NOT_A_MEMBER));
		assertThat((List<String>) json(get(alice, "/api/v1/conversations/" + conversation), "$.members"))
			.contains(xavier)
			.doesNotContain(bob);
	}

	private static boolean awaitStatus(Call call, int status, Duration timeout) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (call.send().statusCode() == status) {
				return true;
			}
			Thread.sleep(500);
		}
		return false;
	}

	@FunctionalInterface
	private interface Call {

		HttpResponse<String> send() throws Exception;

	}

}
