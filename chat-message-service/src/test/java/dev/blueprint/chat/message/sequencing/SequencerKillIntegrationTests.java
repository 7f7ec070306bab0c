package dev.blueprint.chat.message.sequencing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.message.support.ChatIntegrationTest;
import dev.blueprint.testsupport.TestInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A second chat-message-service process shares the sequencing with this test's instance
 * and is killed (SIGKILL) in the middle of a stream of conversations, half of them on its
 * partitions (read from its log) and half on this instance's: its partitions move to the
 * survivor, which continues every conversation's sequence without a gap or a second seq
 * for any message, and announces what the dead process had stored but not committed. Then
 * a new second process starts (the killed one restarted) and takes partitions back from
 * the survivor: the sequences go on gap-free across that handover too.
 */
class SequencerKillIntegrationTests extends ChatIntegrationTest {

	private static final int CONVERSATIONS = 6;

	/** 20 with both instances, 20 on the survivor alone, 20 after the restart. */
	private static final int PER_CONVERSATION = 60;

	@Test
	void aKilledSequencersConversationsContinueGapFreeOnTheSurvivorAndAfterItsRestart() throws Exception {
		Path log = Files.createTempFile("second-sequencer", ".log");
		Process other = startSecondInstance(log);
		Process restarted = null;
		try {
			awaitAssignment(log, Duration.ofSeconds(180));
			Set<Integer> killedOwns = lastAssignment(log);
			int partitions = this.producer.partitionsFor(ChatTopics.SUBMITTED).size();
			assertThat(killedOwns).as("the second instance shares the partitions")
				.isNotEmpty()
				.hasSizeLessThan(partitions);
			String alice = unique("alice");
			// Half the conversations on the killed process's partitions, half on the
			// survivor's (partition: the producer's murmur2 of the key).
			List<UUID> onKilled = new ArrayList<>();
			List<UUID> onSurvivor = new ArrayList<>();
			for (int attempt = 0; attempt < 200
					&& (onKilled.size() < CONVERSATIONS / 2 || onSurvivor.size() < CONVERSATIONS / 2); attempt++) {
				UUID conversation = conversation(alice, "direct", unique("bob"));
				List<UUID> side = killedOwns.contains(partitionOf(conversation, partitions)) ? onKilled : onSurvivor;
				if (side.size() < CONVERSATIONS / 2) {
					side.add(conversation);
				}
			}
			assertThat(onKilled).hasSize(CONVERSATIONS / 2);
			assertThat(onSurvivor).hasSize(CONVERSATIONS / 2);
			List<UUID> conversations = new ArrayList<>(onKilled);
			conversations.addAll(onSurvivor);
			for (int n = 1; n <= PER_CONVERSATION; n++) {
				for (UUID conversation : conversations) {
					submit(conversation, alice, "k-" + n, "message " + n);
				}
				if (n == PER_CONVERSATION / 3) {
					// the second process still owns them and has sequenced these
					assertThat(lastAssignment(log)).isEqualTo(killedOwns);
					onKilled.forEach(
							(conversation) -> awaitEvents(conversation, PER_CONVERSATION / 3, Duration.ofSeconds(60)));
					other.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
				}
				if (n == 2 * PER_CONVERSATION / 3) {
					// sequenced by the survivor alone; then the killed process
					// comes back (a new one) and takes partitions again
					conversations.forEach((conversation) -> awaitEvents(conversation, 2 * PER_CONVERSATION / 3,
							Duration.ofSeconds(120)));
					Path restartLog = Files.createTempFile("restarted-sequencer", ".log");
					restarted = startSecondInstance(restartLog);
					awaitAssignment(restartLog, Duration.ofSeconds(180));
					Set<Integer> restartedOwns = lastAssignment(restartLog);
					assertThat(conversations).as("conversations on the restarted process's partitions")
						.anyMatch((conversation) -> restartedOwns.contains(partitionOf(conversation, partitions)));
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
			if (restarted != null) {
				restarted.destroyForcibly();
			}
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
		// the tests' bucket size (ChatIntegrationTest): with the default it would write
		// seqs from 50 on into other partitions than the tests read, and is refused
		env.put("CHAT_STORAGE_BUCKETSIZE", "50");
		System.out.println("second sequencer logs to " + log);
		return builder.start();
	}

	private static int partitionOf(UUID conversation, int partitions) {
		return Utils.toPositive(Utils.murmur2(conversation.toString().getBytes(StandardCharsets.UTF_8))) % partitions;
	}

	/**
	 * The partitions of the second process's last assignment (the group assigns eagerly:
	 * each log line names all of them).
	 */
	private static Set<Integer> lastAssignment(Path log) throws Exception {
		String last = Files.readAllLines(log)
			.stream()
			.filter((line) -> line.contains("Sequencing partitions ["))
			.reduce((first, second) -> second)
			.orElseThrow();
		Set<Integer> owned = new HashSet<>();
		Matcher matcher = Pattern.compile(Pattern.quote(ChatTopics.SUBMITTED) + "-(\\d+)")
			.matcher(last.substring(last.indexOf("Sequencing partitions [")));
		while (matcher.find()) {
			owned.add(Integer.parseInt(matcher.group(1)));
		}
		return owned;
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
