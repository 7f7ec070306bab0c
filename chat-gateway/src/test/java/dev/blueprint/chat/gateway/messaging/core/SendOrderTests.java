package dev.blueprint.chat.gateway.messaging.core;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SendOrderTests {

	private static final Duration HOLD = Duration.ofSeconds(10);

	private final AtomicLong now = new AtomicLong(1_000);

	private final SendOrder order = new SendOrder(HOLD, this.now::get);

	@Test
	void aRefusedMessageHoldsTheSessionsLaterMessagesToItsConversationUntilItComesAgain() {
		this.order.refused("s1", "c1", "m1", "rate-limited", this.order.position());
		assertThat(this.order.holding("s1", "c1", "m2")).hasValueSatisfying((hold) -> {
			assertThat(hold.clientMessageId()).isEqualTo("m1");
			assertThat(hold.code()).isEqualTo("rate-limited");
		});
		assertThat(this.order.holding("s1", "c2", "m3")).as("another conversation").isEmpty();
		assertThat(this.order.holding("s2", "c1", "m4")).as("another session").isEmpty();
		assertThat(this.order.holding("s1", "c1", "m1")).as("the refused one itself").isEmpty();
		assertThat(this.order.holding("s1", "c1", "m2")).as("lifted by it").isEmpty();
		assertThat(this.order.sessions()).as("the session holds nothing").isZero();
	}

	@Test
	void theHoldEndsWhenItsTimeHasPassed() {
		this.order.refused("s1", "c1", "m1", "retry", this.order.position());
		this.now.addAndGet(HOLD.toNanos() - 1);
		assertThat(this.order.holding("s1", "c1", "m2")).isPresent();
		this.now.incrementAndGet();
		assertThat(this.order.holding("s1", "c1", "m2")).isEmpty();
		assertThat(this.order.holding("s1", "c1", "m3")).isEmpty();
	}

	@Test
	void laterMessagesWaitForTheOneSentFirstWhicheverRefusalCameFirst() {
		long first = this.order.position();
		long second = this.order.position();
		long third = this.order.position();
		// m2 rate-limited at once; m1's Kafka failure comes after it, and m3's after that
		this.order.refused("s1", "c1", "m2", "rate-limited", second);
		this.order.refused("s1", "c1", "m1", "retry", first);
		this.order.refused("s1", "c1", "m3", "retry", third);
		assertThat(this.order.holding("s1", "c1", "m4")).hasValueSatisfying((hold) -> {
			assertThat(hold.clientMessageId()).isEqualTo("m1");
			assertThat(hold.code()).isEqualTo("retry");
		});
		// once its hold has ended, a refusal of a message sent later holds again
		this.now.addAndGet(HOLD.toNanos());
		this.order.refused("s1", "c1", "m5", "rate-limited", this.order.position());
		assertThat(this.order.holding("s1", "c1", "m6"))
			.hasValueSatisfying((hold) -> assertThat(hold.clientMessageId()).isEqualTo("m5"));
	}

	@Test
	void aHoldSetByALateFailureIsLiftedWhenALaterSendOfThatMessageIsTaken() {
		this.order.refused("s1", "c1", "m1", "retry", this.order.position());
		this.order.taken("s1", "c1", "m2");
		assertThat(this.order.holding("s1", "c1", "m3")).as("another message taken: still held").isPresent();
		this.order.taken("s1", "c1", "m1");
		assertThat(this.order.holding("s1", "c1", "m3")).isEmpty();
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
		assertThat(this.order.holding("s1", "c1", "m2")).isEmpty();
		assertThat(this.order.holding("s2", "c1", "m2")).isPresent();
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
		assertThat(this.order.holding("s1", "c2", "m3")).isPresent();
		this.now.addAndGet(HOLD.toNanos() / 2);
		this.order.forgetEnded();
		assertThat(this.order.sessions()).isZero();
	}

	@Test
	void theHoldMustBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new SendOrder(Duration.ZERO))
			.withMessage("the hold must be positive, was PT0S");
	}

}
