package dev.blueprint.chat.message.receipts.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import dev.blueprint.chat.contracts.ChatEvent.Origin;
import dev.blueprint.chat.contracts.ChatEvent.ReceiptSubmitted;
import dev.blueprint.chat.contracts.GatewayDelivery.Receipt;
import dev.blueprint.chat.message.receipts.core.ReceiptPlanner.Key;
import dev.blueprint.chat.message.receipts.core.ReceiptPlanner.OwnMessage;
import dev.blueprint.chat.message.receipts.core.ReceiptPlanner.Plan;
import dev.blueprint.chat.message.receipts.core.ReceiptPlanner.ReceiptStep;
import dev.blueprint.chat.message.receipts.core.ReceiptPlanner.Recorded;
import dev.blueprint.chat.message.receipts.core.ReceiptPlanner.Refused;
import dev.blueprint.chat.message.receipts.core.ReceiptPlanner.Unchanged;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Snapshot;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReceiptPlannerTests {

	private final UUID conversation = UUID.randomUUID();

	private final Map<UUID, Snapshot> conversations = Map.of(this.conversation,
			new Snapshot(List.of("alice", "bob", "carol"), 5));

	private ReceiptStep receipt(String user, String kind, long seq) {
		return new ReceiptStep(
				new ReceiptSubmitted(this.conversation, user, kind, seq, Instant.now(), new Origin("gw", "s-" + user)));
	}

	private Key key(String user) {
		return new Key(this.conversation, user);
	}

	@Test
	void aReceiptAboveTheWatermarkMovesItAndOneAtOrBelowChangesNothing() {
		Plan plan = ReceiptPlanner.plan(
				List.of(receipt("bob", Receipt.DELIVERED, 3), receipt("bob", Receipt.DELIVERED, 3),
						receipt("bob", Receipt.DELIVERED, 2), receipt("bob", Receipt.DELIVERED, 4)),
				this.conversations, Map.of(key("bob"), new Watermarks(1, 1)));
		assertThat(plan.decisions()).hasSize(4);
		assertThat(plan.decisions().get(0)).isInstanceOf(Recorded.class);
		assertThat(plan.decisions().get(1)).isInstanceOf(Unchanged.class);
		assertThat(plan.decisions().get(2)).isInstanceOf(Unchanged.class);
		assertThat(plan.decisions().get(3)).isInstanceOf(Recorded.class);
		assertThat(((Recorded) plan.decisions().get(3)).members()).containsExactly("alice", "bob", "carol");
		assertThat(plan.moved()).containsExactly(Map.entry(key("bob"), new Watermarks(4, 1)));
	}

	@Test
	void readingRaisesDeliveredButDeliveredNeverRaisesRead() {
		Plan plan = ReceiptPlanner.plan(
				List.of(receipt("bob", Receipt.READ, 4), receipt("bob", Receipt.DELIVERED, 4),
						receipt("carol", Receipt.DELIVERED, 5), receipt("carol", Receipt.READ, 2)),
				this.conversations, Map.of(key("carol"), new Watermarks(1, 1)));
		assertThat(plan.decisions()).extracting((decision) -> decision.getClass().getSimpleName())
			.containsExactly("Recorded", "Unchanged", "Recorded", "Recorded");
		assertThat(plan.moved()).containsEntry(key("bob"), new Watermarks(4, 4))
			.containsEntry(key("carol"), new Watermarks(5, 2));
	}

	@Test
	void aReceiptBeyondTheLastSeqAtItsPlaceInTheLogIsRefused() {
		Plan plan = ReceiptPlanner.plan(List.of(receipt("bob", Receipt.READ, 6),
				new OwnMessage(this.conversation, "alice", 6), receipt("bob", Receipt.READ, 6)), this.conversations,
				Map.of());
		assertThat(((Refused) plan.decisions().get(0)).code()).isEqualTo(ChatErrorCodes.RECEIPT_BEYOND_LAST);
		assertThat(plan.decisions().get(1)).isInstanceOf(Recorded.class);
	}

	@Test
	void nonMembersAndUnknownConversationsAreRefused() {
		ReceiptStep foreign = new ReceiptStep(
				new ReceiptSubmitted(UUID.randomUUID(), "bob", Receipt.READ, 1, Instant.now(), new Origin("gw", "s")));
		Plan plan = ReceiptPlanner.plan(List.of(receipt("mallory", Receipt.READ, 1), foreign), this.conversations,
				Map.of());
		assertThat(plan.decisions()).extracting((decision) -> ((Refused) decision).code())
			.containsExactly(ChatErrorCodes.NOT_A_MEMBER, ChatErrorCodes.UNKNOWN_CONVERSATION);
		assertThat(plan.moved()).isEmpty();
	}

	@Test
	void sendingAMessageMovesTheSendersOwnWatermarksWithoutAReceipt() {
		Plan plan = ReceiptPlanner.plan(
				List.of(new OwnMessage(this.conversation, "alice", 6), receipt("alice", Receipt.READ, 6)),
				this.conversations, Map.of(key("alice"), new Watermarks(5, 3)));
		assertThat(plan.decisions()).singleElement().isInstanceOf(Unchanged.class);
		assertThat(plan.moved()).containsExactly(Map.entry(key("alice"), new Watermarks(6, 6)));
	}

}
