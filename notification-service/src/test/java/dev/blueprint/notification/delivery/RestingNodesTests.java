package dev.blueprint.notification.delivery;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RestingNodesTests {

	/** Sleeps with 800 ms of room each way for a loaded machine. */
	@Test
	void aNodeRestsForTheRestFromItsLastSilenceAndOthersDoNot() throws InterruptedException {
		RestingNodes resting = new RestingNodes(Duration.ofSeconds(2));
		assertThat(resting.rests("a")).isFalse();

		resting.rest("a");

		assertThat(resting.rests("a")).isTrue();
		assertThat(resting.rests("b")).isFalse();
		Thread.sleep(1200);
		resting.rest("a");
		Thread.sleep(1200);
		assertThat(resting.rests("a")).as("from its last silence").isTrue();
		Thread.sleep(1000);
		assertThat(resting.rests("a")).isFalse();
	}

	@Test
	void theRestIsPositive() {
		assertThat(new RestingNodes(Duration.ofMillis(1)).rest()).isEqualTo(Duration.ofMillis(1));
		assertThatIllegalArgumentException().isThrownBy(() -> new RestingNodes(Duration.ZERO))
			.withMessage("the rest must be positive, was PT0S");
	}

}
