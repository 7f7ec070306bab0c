package dev.blueprint.chat.message.sequencing.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import dev.blueprint.chat.contracts.ChatEvent.MessageSubmitted;
import dev.blueprint.chat.contracts.ChatEvent.Origin;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Accepted;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.DedupKey;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Duplicate;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Plan;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Rejected;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Snapshot;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.StoredRef;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SequencePlannerTests {

	private final UUID one = UUID.randomUUID();

	private final UUID two = UUID.randomUUID();

	private static MessageSubmitted message(UUID conversation, String sender, String clientId) {
		return new MessageSubmitted(conversation, UUID.randomUUID(), sender, clientId, "body", Instant.EPOCH,
				new Origin("gw", "s"));
	}

	@Test
	void eachConversationContinuesFromItsLastSeq() {
		Plan plan = SequencePlanner.plan(
				List.of(message(this.one, "a", "1"), message(this.two, "a", "1"), message(this.one, "b", "1")),
				Map.of(this.one, new Snapshot(List.of("a", "b"), 41), this.two, new Snapshot(List.of("a"), 0)),
				Map.of());
		assertThat(plan.outcomes()).extracting((outcome) -> ((Accepted) outcome).seq()).containsExactly(42L, 1L, 43L);
		assertThat(plan.lastSeqs()).containsEntry(this.one, 43L).containsEntry(this.two, 1L);
		assertThat(plan.lastAcceptedOf(this.one)).hasValueSatisfying((last) -> assertThat(last.seq()).isEqualTo(43));
	}

	@Test
	void retriesKeepTheirSeqWhetherStoredBeforeOrEarlierInTheBatch() {
		MessageSubmitted stored = message(this.one, "a", "old");
		UUID storedId = UUID.randomUUID();
		Plan plan = SequencePlanner.plan(
				List.of(message(this.one, "a", "new"), stored, message(this.one, "a", "new"),
						message(this.one, "b", "new")),
				Map.of(this.one, new Snapshot(List.of("a", "b"), 7)),
				Map.of(DedupKey.of(stored), new StoredRef(5, storedId)));
		assertThat(plan.outcomes().get(0)).isInstanceOfSatisfying(Accepted.class,
				(a) -> assertThat(a.seq()).isEqualTo(8));
		assertThat(plan.outcomes().get(1)).isInstanceOfSatisfying(Duplicate.class, (d) -> {
			assertThat(d.seq()).isEqualTo(5);
			assertThat(d.messageId()).isEqualTo(storedId);
		});
		assertThat(plan.outcomes().get(2)).isInstanceOfSatisfying(Duplicate.class,
				(d) -> assertThat(d.seq()).isEqualTo(8));
		// the same client id from another sender is another message
		assertThat(plan.outcomes().get(3)).isInstanceOfSatisfying(Accepted.class,
				(a) -> assertThat(a.seq()).isEqualTo(9));
	}

	@Test
	void aReplayedRecordKeepsItsStoredSeqAndIsAnnouncedAgain() {
		MessageSubmitted replayed = message(this.one, "a", "x");
		// stored as seq 8 by a sequencer that died before committing; state still says 7
		Plan plan = SequencePlanner.plan(List.of(replayed, message(this.one, "a", "y")),
				Map.of(this.one, new Snapshot(List.of("a"), 7)),
				Map.of(DedupKey.of(replayed), new StoredRef(8, replayed.messageId())));
		assertThat(plan.outcomes()).extracting((outcome) -> ((Accepted) outcome).seq()).containsExactly(8L, 9L);
		assertThat(plan.lastSeqs()).containsEntry(this.one, 9L);
		assertThat(plan.lastAcceptedOf(this.one)).hasValueSatisfying((last) -> assertThat(last.seq()).isEqualTo(9));
	}

	@Test
	void aReplayedRecordOfAMemberRemovedSinceKeepsItsStoredSeq() {
		MessageSubmitted replayed = message(this.one, "a", "x");
		// stored as seq 8 while "a" was a member; "a" was removed from Cassandra before
		// the retry, its ConversationChanged record further on in the log
		Plan plan = SequencePlanner.plan(List.of(replayed, message(this.one, "b", "y")),
				Map.of(this.one, new Snapshot(List.of("b"), 7)),
				Map.of(DedupKey.of(replayed), new StoredRef(8, replayed.messageId())));
		assertThat(plan.outcomes()).extracting((outcome) -> ((Accepted) outcome).seq()).containsExactly(8L, 9L);
		assertThat(plan.lastSeqs()).containsEntry(this.one, 9L);
	}

	@Test
	void refusalsTakeNoSeq() {
		Plan plan = SequencePlanner.plan(
				List.of(message(this.one, "mallory", "1"), message(this.two, "a", "1"), message(this.one, "a", "1")),
				Map.of(this.one, new Snapshot(List.of("a"), 0)), Map.of());
		assertThat(plan.outcomes().get(0)).isInstanceOfSatisfying(Rejected.class,
				(r) -> assertThat(r.code()).isEqualTo(ChatErrorCodes.NOT_A_MEMBER));
		assertThat(plan.outcomes().get(1)).isInstanceOfSatisfying(Rejected.class,
				(r) -> assertThat(r.code()).isEqualTo(ChatErrorCodes.UNKNOWN_CONVERSATION));
		assertThat(plan.outcomes().get(2)).isInstanceOfSatisfying(Accepted.class,
				(a) -> assertThat(a.seq()).isEqualTo(1));
		assertThat(plan.lastSeqs()).containsOnlyKeys(this.one);
	}

	@Test
	void theSamePlanComesOutOfTheSameLogAndState() {
		List<MessageSubmitted> batch = List.of(message(this.one, "a", "1"), message(this.one, "a", "2"),
				message(this.one, "a", "1"));
		Map<UUID, Snapshot> state = Map.of(this.one, new Snapshot(List.of("a"), 3));
		assertThat(SequencePlanner.plan(batch, state, Map.of()))
			.isEqualTo(SequencePlanner.plan(batch, state, Map.of()));
	}

}
