package dev.blueprint.bench.chat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SlowSecondsTests {

	private static final long SECOND = 1_000_000_000L;

	private static final long MS = 1_000_000L;

	@Test
	void countsOnlyDeliveriesAboveTheThresholdBySecondOfTheirScheduledSend() {
		SlowSeconds slow = new SlowSeconds(5 * SECOND, Instant.parse("2026-12-02T22:00:00Z"), 100 * MS);
		slow.add(5 * SECOND, 100 * MS);
		slow.add(5 * SECOND + SECOND / 2, 101 * MS);
		slow.add(7 * SECOND, 150 * MS);
		slow.add(7 * SECOND + 1, 180 * MS);
		slow.add(8 * SECOND - 1, 120 * MS);

		assertThat(slow.summary(60, 10)).isEqualTo("deliveries over 100 ms in 2 of 60 s; most (UTC second of the "
				+ "send, deliveries, slowest): 22:00:02 3 (180 ms), 22:00:00 1 (101 ms)");
		assertThat(slow.summary(60, 1)).endsWith(": 22:00:02 3 (180 ms)");
	}

	@Test
	void aStepWithoutSlowDeliveriesSaysSo() {
		SlowSeconds slow = new SlowSeconds(0, Instant.EPOCH, 100 * MS);
		slow.add(SECOND, 99 * MS);

		assertThat(slow.summary(30, 10)).isEqualTo("deliveries over 100 ms in 0 of 30 s");
	}

}
