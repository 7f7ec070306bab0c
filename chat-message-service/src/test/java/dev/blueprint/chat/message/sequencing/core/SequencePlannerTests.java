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
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.LogPosition;
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
	void aMembershipChangeIsAppliedOnceHoweverOftenItIsRead() {
		LogPosition at = new LogPosition(2, 40);
		Snapshot before = new Snapshot(List.of("a", "c"), 5);
		Snapshot after = before.withChange(List.of("b"), List.of("c"), at, 10);
		assertThat(after).isEqualTo(new Snapshot(List.of("a", "b"), 5, at));
		assertThat(after.withChange(List.of("b"), List.of("c"), at, 10)).isEqualTo(after);
		assertThat(after.withChange(List.of(), List.of("a", "b"), at, 10).members()).isEmpty();
		// A batch planned again reaches an earlier change: it is in these members
		// already,
		// and where they came from stays put.
		assertThat(after.withChange(List.of("c"), List.of("b"), new LogPosition(2, 30), 10)).isEqualTo(after);
	}

	@Test
	void anAdditionJoinsOnlyWhileTheGroupHasRoom() {
		Snapshot two = new Snapshot(List.of("a", "b"), 5);
		LogPosition at = new LogPosition(0, 7);
		assertThat(two.withChange(List.of("c"), List.of(), at, 3).members()).containsExactly("a", "b", "c");
		assertThat(two.withChange(List.of("c", "d"), List.of(), at, 3).members()).containsExactly("a", "b", "c");
		// Full: nobody joins, a member already in changes nothing, and a removal still
		// applies.
		Snapshot full = new Snapshot(List.of("a", "b", "c"), 5);
		assertThat(full.withChange(List.of("d"), List.of(), at, 3).members()).containsExactly("a", "b", "c");
		assertThat(full.withChange(List.of("a"), List.of(), at, 3).members()).containsExactly("a", "b", "c");
		assertThat(full.withChange(List.of("d"), List.of("a"), at, 3).members()).containsExactly("b", "c");
		assertThat(full.withChange(List.of("d"), List.of("a"), at, 3).membersFrom()).isEqualTo(at);
	}

	@Test
	void aNewMessageBeforeTheChangeTheMembersCameFromWasRefusedByTheAttemptThatAppliedItAndIsRefusedAgain() {
		// x was added at offset 40; the attempt that applied it stored s-1 (seq 8) after
		// it and died before its state write.
		MessageSubmitted fromX = message(this.one, "x", "1");
		MessageSubmitted retriedByA = message(this.one, "a", "old");
		MessageSubmitted storedAfter = message(this.one, "a", "2");
		MessageSubmitted newAfter = message(this.one, "x", "2");
		Map<MessageSubmitted, LogPosition> positions = Map.of(fromX, new LogPosition(2, 39), retriedByA,
				new LogPosition(2, 38), storedAfter, new LogPosition(2, 41), newAfter, new LogPosition(2, 42));
		Plan plan = SequencePlanner.plan(List.of(retriedByA, fromX, storedAfter, newAfter),
				Map.of(this.one, new Snapshot(List.of("a", "x"), 7, new LogPosition(2, 40))),
				Map.of(DedupKey.of(retriedByA), new StoredRef(3, UUID.randomUUID()), DedupKey.of(storedAfter),
						new StoredRef(8, storedAfter.messageId())),
				positions::get, Integer.MAX_VALUE);
		assertThat(plan.outcomes().get(0)).isInstanceOfSatisfying(Duplicate.class,
				(d) -> assertThat(d.seq()).isEqualTo(3));
		// Against the later members x would take seq 8, which s-1 holds.
		assertThat(plan.outcomes().get(1)).isInstanceOfSatisfying(Rejected.class,
				(r) -> assertThat(r.code()).isEqualTo(ChatErrorCodes.NOT_A_MEMBER));
		assertThat(plan.outcomes().get(2)).isInstanceOfSatisfying(Accepted.class,
				(a) -> assertThat(a.seq()).isEqualTo(8));
		assertThat(plan.outcomes().get(3)).isInstanceOfSatisfying(Accepted.class,
				(a) -> assertThat(a.seq()).isEqualTo(9));
		// In another partition (the topic was repartitioned) the offsets say nothing.
		Plan elsewhere = SequencePlanner.plan(List.of(fromX),
				Map.of(this.one, new Snapshot(List.of("a", "x"), 7, new LogPosition(5, 40))), Map.of(), positions::get,
				Integer.MAX_VALUE);
		assertThat(elsewhere.outcomes().get(0)).isInstanceOf(Accepted.class);
	}

	@Test
	void aRetryBySenderRemovedSinceIsAckedWithTheStoredSeqAndANewMessageOfTheirsIsRefused() {
		// a sent "old" (stored as 5, its ack lost), then left; the client sends it again
		MessageSubmitted retried = message(this.one, "a", "old");
		MessageSubmitted newOne = message(this.one, "a", "new");
		Plan plan = SequencePlanner.plan(List.of(retried, newOne), Map.of(this.one, new Snapshot(List.of("b"), 7)),
				Map.of(DedupKey.of(retried), new StoredRef(5, UUID.randomUUID())));
		assertThat(plan.outcomes().get(0)).isInstanceOfSatisfying(Duplicate.class,
				(d) -> assertThat(d.seq()).isEqualTo(5));
		assertThat(plan.outcomes().get(1)).isInstanceOfSatisfying(Rejected.class,
				(r) -> assertThat(r.code()).isEqualTo(ChatErrorCodes.NOT_A_MEMBER));
		assertThat(plan.lastSeqs()).doesNotContainKey(this.one);
	}

	@Test
	void aNewBodyOverTheLimitIsRefusedAndARetryOfAStoredOneIsNot() {
		MessageSubmitted atLimit = new MessageSubmitted(this.one, UUID.randomUUID(), "a", "1", "éé", Instant.EPOCH,
				new Origin("gw", "s"));
		MessageSubmitted over = new MessageSubmitted(this.one, UUID.randomUUID(), "a", "2", "ééx", Instant.EPOCH,
				new Origin("gw", "s"));
		MessageSubmitted retried = new MessageSubmitted(this.one, UUID.randomUUID(), "a", "3", "ééx", Instant.EPOCH,
				new Origin("gw", "s"));
		Plan plan = SequencePlanner.plan(List.of(atLimit, over, retried),
				Map.of(this.one, new Snapshot(List.of("a"), 7)),
				Map.of(DedupKey.of(retried), new StoredRef(5, UUID.randomUUID())), (message) -> null, 4);
		assertThat(plan.outcomes().get(0)).isInstanceOfSatisfying(Accepted.class,
				(accepted) -> assertThat(accepted.seq()).isEqualTo(8));
		assertThat(plan.outcomes().get(1)).isInstanceOfSatisfying(Rejected.class, (rejected) -> {
			assertThat(rejected.code()).isEqualTo(ChatErrorCodes.BODY_TOO_LARGE);
			assertThat(rejected.reason()).isEqualTo("body is 5 bytes; the limit is 4");
		});
		assertThat(plan.outcomes().get(2)).isInstanceOfSatisfying(Duplicate.class,
				(duplicate) -> assertThat(duplicate.seq()).isEqualTo(5));
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
