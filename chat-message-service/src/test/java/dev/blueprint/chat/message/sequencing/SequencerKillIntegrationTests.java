package dev.blueprint.chat.message.sequencing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import dev.blueprint.chat.message.support.ChatIntegrationTest;
import dev.blueprint.testsupport.TestInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A second chat-message-service process shares the sequencing with this test's instance
 * and is killed (SIGKILL) in the middle of a stream: its partitions move to the survivor,
 * which continues every conversation's sequence without a gap or a second seq for any
 * message, and announces what the dead process had stored but not committed.
 */
class SequencerKillIntegrationTests extends ChatIntegrationTest {

	private static final int CONVERSATIONS = 6;

	private static final int PER_CONVERSATION = 40;

	@Test
	void aKilledSequencersConversationsContinueGapFreeOnTheSurvivor() throws Exception {
		Path log = Files.createTempFile("second-sequencer", ".log");
		Process other = startSecondInstance(log);
		try {
			awaitAssignment(log, Duration.ofSeconds(180));
			String alice = unique("alice");
			List<UUID> conversations = new ArrayList<>();
			for (int i = 0; i < CONVERSATIONS; i++) {
				conversations.add(conversation(alice, "direct", unique("bob")));
			}
			for (int n = 1; n <= PER_CONVERSATION; n++) {
				for (UUID conversation : conversations) {
					submit(conversation, alice, "k-" + n, "message " + n);
				}
				if (n == PER_CONVERSATION / 2) {
					other.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
				}
				Thread.sleep(20);
			}
			for (UUID conversation : conversations) {
				Map<String, Long> seqOf = new HashMap<>();
				for (ChatEvent event : awaitEvents(conversation, PER_CONVERSATION, Duration.ofSeconds(120))) {
					MessagePersisted persisted = (MessagePersisted) event;
					Long earlier = seqOf.putIfAbsent(persisted.clientMessageId(), persisted.seq());
					assertThat(earlier).as("one seq per message").isIn(null, persisted.seq());
				}
				for (int n = 1; n <= PER_CONVERSATION; n++) {
					assertThat(seqOf.get("k-" + n)).as(conversation + " k-" + n).isEqualTo(n);
				}
				List<Integer> stored = json(get(alice,
						"/api/v1/conversations/" + conversation + "/messages?after=0&limit=" + PER_CONVERSATION),
						"$[*].seq");
				assertThat(stored).hasSize(PER_CONVERSATION).isSorted().doesNotHaveDuplicates();
			}
		}
		finally {
			other.destroyForcibly();
		}
	}

	private Process startSecondInstance(Path log) throws Exception {
		Path jar = Path.of("target/chat-message-service.jar");
		assertThat(jar).as("the packaged service (failsafe runs after package)").exists();
		String java = ProcessHandle.current().info().command().orElse("java");
		ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
				"-jar", jar.toString())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		Map<String, String> env = builder.environment();
		env.put("PORT", "0");
		env.put("KAFKA_BOOTSTRAP_SERVERS", TestInfrastructure.local().kafkaBootstrapServers());
		env.put("CASSANDRA_CONTACT_POINTS", TestInfrastructure.local().cassandraContactPoint());
		env.put("CASSANDRA_DATACENTER", "datacenter1");
		env.put("BLUEPRINT_JWT_HMAC_SECRET", TestTokens.SECRET);
		System.out.println("second sequencer logs to " + log);
		return builder.start();
	}

	/** Waits until the second process logs that it sequences some partitions. */
	private static void awaitAssignment(Path log, Duration timeout) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (Files.readString(log).contains("Sequencing partitions [chat.messages.submitted")) {
				return;
			}
			Thread.sleep(500);
		}
		throw new AssertionError("the second instance took no partition within " + timeout + "; see " + log);
	}

}
