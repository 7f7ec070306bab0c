package dev.blueprint.chat.gateway.messaging.core;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SendOrderTests {

	private final AtomicLong now = new AtomicLong(1_000);

	private final SendOrder order = new SendOrder(Duration.ofSeconds(10), this.now::get);

	@Test
	void aRefusedMessageHoldsTheSessionsLaterMessagesToItsConversationUntilItComesAgain() {
		this.order.refused("s1", "c1", "m1", "rate-limited");
		assertThat(this.order.holding("s1", "c1", "m2")).hasValueSatisfying((hold) -> {
			assertThat(hold.clientMessageId()).isEqualTo("m1");
			assertThat(hold.code()).isEqualTo("rate-limited");
		});
		assertThat(this.order.holding("s1", "c2", "m3")).as("another conversation").isEmpty();
		assertThat(this.order.holding("s2", "c1", "m4")).as("another session").isEmpty();
		assertThat(this.order.holding("s1", "c1", "m1")).as("the refused one itself").isEmpty();
		assertThat(this.order.holding("s1", "c1", "m2")).as("lifted by it").isEmpty();
	}

	@Test
	void theHoldEndsWhenItsTimeHasPassed() {
		this.order.refused("s1", "c1", "m1", "retry");
		this.now.addAndGet(Duration.ofSeconds(10).toNanos() - 1);
		assertThat(this.order.holding("s1", "c1", "m2")).isPresent();
		this.now.incrementAndGet();
		assertThat(this.order.holding("s1", "c1", "m2")).isEmpty();
		assertThat(this.order.holding("s1", "c1", "m3")).isEmpty();
	}

	@Test
	void laterMessagesWaitForTheEarliestRefusedUntilItsHoldEnds() {
		this.order.refused("s1", "c1", "m1", "rate-limited");
		this.order.refused("s1", "c1", "m2", "retry");
		assertThat(this.order.holding("s1", "c1", "m3"))
			.hasValueSatisfying((hold) -> assertThat(hold.clientMessageId()).isEqualTo("m1"));
		this.now.addAndGet(Duration.ofSeconds(10).toNanos());
		this.order.refused("s1", "c1", "m2", "retry");
		assertThat(this.order.holding("s1", "c1", "m3")).hasValueSatisfying((hold) -> {
			assertThat(hold.clientMessageId()).isEqualTo("m2");
			assertThat(hold.code()).isEqualTo("retry");
		});
	}

	@Test
	void aHoldSetByALateFailureIsLiftedWhenALaterSendOfThatMessageIsTaken() {
		this.order.refused("s1", "c1", "m1", "retry");
		this.order.taken("s1", "c1", "m2");
		assertThat(this.order.holding("s1", "c1", "m3")).as("another message taken: still held").isPresent();
		this.order.taken("s1", "c1", "m1");
		assertThat(this.order.holding("s1", "c1", "m3")).isEmpty();
		this.order.taken("s9", "c1", "m1");
	}

	@Test
	void aClosedSessionsHoldsAreForgotten() {
		this.order.refused("s1", "c1", "m1", "rate-limited");
		this.order.refused("s2", "c1", "m1", "rate-limited");
		assertThat(this.order.sessions()).isEqualTo(2);
		this.order.closed("s1");
		assertThat(this.order.sessions()).isEqualTo(1);
		assertThat(this.order.holding("s1", "c1", "m2")).isEmpty();
		assertThat(this.order.holding("s2", "c1", "m2")).isPresent();
	}

	@Test
	void theHoldMustBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new SendOrder(Duration.ZERO))
			.withMessage("the hold must be positive, was PT0S");
	}

}
