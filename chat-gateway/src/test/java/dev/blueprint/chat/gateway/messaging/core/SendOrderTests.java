package dev.blueprint.chat.gateway.messaging.core;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SendOrderTests {

	private static final Duration HOLD = Duration.ofSeconds(10);

	private final AtomicLong now = new AtomicLong(1_000);

	private final SendOrder order = new SendOrder(HOLD, 32, this.now::get);

	@Test
	void aRefusedMessageHoldsTheSessionsLaterMessagesToItsConversationUntilItComesAgain() {
		this.order.refused("s1", "c1", "m1", "rate-limited", this.order.position());
		assertThat(send("s1", "c1", "m2")).hasValueSatisfying((hold) -> {
			assertThat(hold.clientMessageId()).isEqualTo("m1");
			assertThat(hold.code()).isEqualTo("rate-limited");
		});
		assertThat(send("s1", "c2", "m3")).as("another conversation").isEmpty();
		assertThat(send("s2", "c1", "m4")).as("another session").isEmpty();
		assertThat(send("s1", "c1", "m1")).as("the refused one itself").isEmpty();
		assertThat(send("s1", "c1", "m2")).as("lifted by it").isEmpty();
		assertThat(this.order.sessions()).as("the session holds nothing").isZero();
	}

	@Test
	void theHoldEndsWhenItsTimeHasPassed() {
		this.order.refused("s1", "c1", "m1", "retry", this.order.position());
		this.now.addAndGet(HOLD.toNanos() - 1);
		assertThat(send("s1", "c1", "m2")).isPresent();
		this.now.incrementAndGet();
		assertThat(send("s1", "c1", "m2")).isEmpty();
		assertThat(send("s1", "c1", "m3")).isEmpty();
	}

	@Test
	void laterMessagesWaitForEveryRefusedOneSentBeforeThemFirstToLastWhicheverRefusalCameFirst() {
		long first = this.order.position();
		long second = this.order.position();
		long third = this.order.position();
		// m2 rate-limited at once; m1's Kafka failure comes after it, and m3's after that
		this.order.refused("s1", "c1", "m2", "rate-limited", second);
		this.order.refused("s1", "c1", "m1", "retry", first);
		this.order.refused("s1", "c1", "m3", "retry", third);
		assertThat(send("s1", "c1", "m4")).hasValueSatisfying((hold) -> {
			assertThat(hold.clientMessageId()).isEqualTo("m1");
			assertThat(hold.code()).isEqualTo("retry");
		});
		assertThat(send("s1", "c1", "m1")).isEmpty();
		assertThat(send("s1", "c1", "m4")).as("m2 still waited for")
			.hasValueSatisfying((hold) -> assertThat(hold.clientMessageId()).isEqualTo("m2"));
		assertThat(send("s1", "c1", "m2")).isEmpty();
		assertThat(send("s1", "c1", "m4"))
			.hasValueSatisfying((hold) -> assertThat(hold.clientMessageId()).isEqualTo("m3"));
		assertThat(send("s1", "c1", "m3")).isEmpty();
		assertThat(send("s1", "c1", "m4")).isEmpty();
		assertThat(this.order.sessions()).isZero();
	}

	@Test
	void anEarlierMessageTakenAfterALaterOneWasRefusedLeavesTheLaterOneHolding() {
		long first = this.order.position();
		long second = this.order.position();
		this.order.refused("s1", "c1", "m2", "rate-limited", second);
		// m1's first send fails late in Kafka, and its second send is taken
		this.order.refused("s1", "c1", "m1", "retry", first);
		this.order.taken("s1", "c1", "m1");
		assertThat(send("s1", "c1", "m3")).as("m2 was refused and not sent again")
			.hasValueSatisfying((hold) -> assertThat(hold.clientMessageId()).isEqualTo("m2"));
	}

	@Test
	void aRefusedMessageComingAgainWaitsForTheOnesSentBeforeItAndStillHoldsTheOnesAfterIt() {
		this.order.refused("s1", "c1", "m1", "retry", this.order.position());
		this.order.refused("s1", "c1", "m2", "retry", this.order.position());
		assertThat(send("s1", "c1", "m2"))
			.hasValueSatisfying((hold) -> assertThat(hold.clientMessageId()).isEqualTo("m1"));
		assertThat(send("s1", "c1", "m1")).as("not held by m2, sent after it").isEmpty();
		assertThat(send("s1", "c1", "m3")).as("m2's hold outlived its held send")
			.hasValueSatisfying((hold) -> assertThat(hold.clientMessageId()).isEqualTo("m2"));
	}

	@Test
	void aConversationKeepsTheHoldsOfTheMessagesSentFirstUpToItsLimit() {
		SendOrder two = new SendOrder(HOLD, 2, this.now::get);
		long first = two.position();
		long second = two.position();
		long third = two.position();
		two.refused("s1", "c1", "m2", "retry", second);
		two.refused("s1", "c1", "m3", "retry", third);
		// a late failure of the message sent first drops the hold of the one sent last
		two.refused("s1", "c1", "m1", "retry", first);
		two.refused("s1", "c2", "m4", "retry", two.position());
		assertThat(two.holding("s1", "c1", "m1", two.position())).isEmpty();
		assertThat(two.holding("s1", "c1", "m5", two.position()))
			.hasValueSatisfying((hold) -> assertThat(hold.clientMessageId()).isEqualTo("m2"));
		assertThat(two.holding("s1", "c1", "m2", two.position())).isEmpty();
		assertThat(two.holding("s1", "c1", "m5", two.position())).as("m3's hold was dropped").isEmpty();
		assertThat(two.holding("s1", "c2", "m5", two.position())).as("another conversation's own limit").isPresent();
	}

	@Test
	void aHoldSetByALateFailureIsLiftedWhenALaterSendOfThatMessageIsTaken() {
		this.order.refused("s1", "c1", "m1", "retry", this.order.position());
		this.order.taken("s1", "c1", "m2");
		assertThat(send("s1", "c1", "m3")).as("another message taken: still held").isPresent();
		this.order.taken("s1", "c1", "m1");
		assertThat(send("s1", "c1", "m3")).isEmpty();
		assertThat(this.order.sessions()).isZero();
		this.order.taken("s9", "c1", "m1");
	}

	@Test
	void aClosedSessionsHoldsAreForgotten() {
		this.order.refused("s1", "c1", "m1", "rate-limited", this.order.position());
		this.order.refused("s2", "c1", "m1", "rate-limited", this.order.position());
		assertThat(this.order.sessions()).isEqualTo(2);
		this.order.closed("s1");
		assertThat(this.order.sessions()).isEqualTo(1);
		assertThat(send("s1", "c1", "m2")).isEmpty();
		assertThat(send("s2", "c1", "m2")).isPresent();
	}

	@Test
	void endedHoldsAreForgottenAlsoThoseOfARefusalThatCameAfterItsSessionClosed() {
		this.order.refused("s1", "c1", "m1", "rate-limited", this.order.position());
		this.order.closed("s2");
		this.order.refused("s2", "c1", "m1", "retry", this.order.position());
		this.now.addAndGet(HOLD.toNanos() / 2);
		this.order.refused("s1", "c2", "m2", "rate-limited", this.order.position());
		this.order.forgetEnded();
		assertThat(this.order.sessions()).as("nothing has ended yet").isEqualTo(2);
		this.now.addAndGet(HOLD.toNanos() / 2);
		this.order.forgetEnded();
		assertThat(this.order.sessions()).as("s1 still holds c2").isEqualTo(1);
		assertThat(send("s1", "c2", "m3")).isPresent();
		this.now.addAndGet(HOLD.toNanos() / 2);
		this.order.forgetEnded();
		assertThat(this.order.sessions()).isZero();
	}

	@Test
	void theHoldMustBePositiveAndAConversationKeepAtLeastOne() {
		assertThatIllegalArgumentException().isThrownBy(() -> new SendOrder(Duration.ZERO, 32))
			.withMessage("the hold must be positive, was PT0S");
		assertThatIllegalArgumentException().isThrownBy(() -> new SendOrder(HOLD, 0))
			.withMessage("a conversation must keep at least one hold, was 0");
	}

	private Optional<SendOrder.Hold> send(String sessionId, String conversationId, String clientMessageId) {
		return this.order.holding(sessionId, conversationId, clientMessageId, this.order.position());
	}

}
