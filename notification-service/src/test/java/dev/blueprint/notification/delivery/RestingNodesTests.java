package dev.blueprint.notification.delivery;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RestingNodesTests {

	@Test
	void aNodeRestsForTheRestFromItsLastSilenceAndOthersDoNot() {
		AtomicLong now = new AtomicLong(1_000);
		RestingNodes resting = new RestingNodes(Duration.ofNanos(300), now::get);
		assertThat(resting.rests("a")).isFalse();

		resting.rest("a");

		assertThat(resting.rests("a")).isTrue();
		assertThat(resting.rests("b")).isFalse();
		now.addAndGet(200);
		resting.rest("a");
		now.addAndGet(299);
		assertThat(resting.rests("a")).as("from its last silence").isTrue();
		now.addAndGet(1);
		assertThat(resting.rests("a")).as("the rest is over").isFalse();
		assertThat(resting.rests("a")).isFalse();
	}

	@Test
	void aRestOutlastsTheNanoClocksWrap() {
		AtomicLong now = new AtomicLong(Long.MAX_VALUE - 100);
		RestingNodes resting = new RestingNodes(Duration.ofNanos(300), now::get);
		resting.rest("a");
		now.addAndGet(250);
		assertThat(resting.rests("a")).isTrue();
		now.addAndGet(50);
		assertThat(resting.rests("a")).isFalse();
	}

	@Test
	void theRestIsPositive() {
		assertThat(new RestingNodes(Duration.ofMillis(1)).rest()).isEqualTo(Duration.ofMillis(1));
		assertThatIllegalArgumentException().isThrownBy(() -> new RestingNodes(Duration.ZERO))
			.withMessage("the rest must be positive, was PT0S");
	}

}
