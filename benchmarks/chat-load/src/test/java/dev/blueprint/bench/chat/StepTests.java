package dev.blueprint.bench.chat;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StepTests {

	@Test
	void aRepeatedDeliveryOrAckIsCountedOnceAndTheRepeatsApart() {
		LoadRun.Step step = new LoadRun.Step("500/s", 500);

		assertThat(step.first("bob", "s3-100")).isTrue();
		assertThat(step.first("bob", "s3-100")).isFalse();
		assertThat(step.first("bob", "s3-100")).isFalse();
		assertThat(step.first("carol", "s3-100")).as("another recipient of the same send").isTrue();
		assertThat(step.first(null, "s3-100")).as("the send's ack").isTrue();
		assertThat(step.first(null, "s3-100")).isFalse();
		assertThat(step.first("bob", "s3-101")).isTrue();

		assertThat(step.repeatedDeliveries.sum()).isEqualTo(2);
		assertThat(step.repeatedAcks.sum()).isEqualTo(1);
	}

}
