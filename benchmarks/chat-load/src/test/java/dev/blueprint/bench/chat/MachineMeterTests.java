package dev.blueprint.bench.chat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

class MachineMeterTests {

	@Test
	void theCpuLineSplitsIntoBusyIdleAndSteal() {
		// user nice system idle iowait irq softirq steal guest guest_nice
		MachineMeter.Jiffies jiffies = MachineMeter.Jiffies
			.parse("cpu  2837233 856 610655 2674559 5477 0 74144 4773 0 0");

		assertThat(jiffies).isEqualTo(new MachineMeter.Jiffies(2837233 + 856 + 610655 + 74144, 2674559 + 5477, 4773));
	}

	@Test
	void sharesAreOfAllTheTimeThatPassedIncludingSteal() {
		MachineMeter.Jiffies before = MachineMeter.Jiffies.parse("cpu 1000 0 0 1000 0 0 0 0 0 0");
		MachineMeter.Jiffies after = MachineMeter.Jiffies.parse("cpu 1120 10 20 1040 5 0 0 5 0 0");

		MachineMeter.Shares shares = MachineMeter.Jiffies.shares(before, after);

		assertThat(shares.busyPercent()).isCloseTo(75.0, within(1e-9));
		assertThat(shares.stealPercent()).isCloseTo(2.5, within(1e-9));
		assertThat(MachineMeter.Jiffies.shares(after, after)).isEqualTo(new MachineMeter.Shares(0, 0));
	}

	@Test
	void aLineThatIsNotTheMachinesCpuLineIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> MachineMeter.Jiffies.parse("cpu0 1 2 3 4 5 6 7 8"));
		assertThatIllegalArgumentException().isThrownBy(() -> MachineMeter.Jiffies.parse("cpu 1 2 3"));
	}

	@Test
	void aWindowFormatsItsShareAndLateness() {
		MachineMeter.Window window = new MachineMeter.Window(Duration.ofMillis(5),
				new long[] { 50_000, 80_000, 3_210_000, 12_040_000 }, new MachineMeter.Shares(76.04, 0.21));

		assertThat(window.format()).isEqualTo("machine 76.0 % busy (steal 0.2 %); a thread sleeping 5 ms woke late by "
				+ "p50 0.08 / p99 12.04 / max 12.04 ms (4 wake-ups)");
	}

	@Test
	void theMeterRecordsEveryWakeUpOfItsWindowAndStartsAFreshOne() throws Exception {
		try (MachineMeter meter = new MachineMeter(Duration.ofMillis(10))) {
			meter.window();
			long start = System.nanoTime();
			Thread.sleep(300);
			MachineMeter.Window window = meter.window();
			long between = System.nanoTime();
			long elapsedMillis = (between - start) / 1_000_000;
			MachineMeter.Window next = meter.window();
			long nextMillis = (System.nanoTime() - between) / 1_000_000;

			// one wake-up per period at most, plus one at each end
			assertThat(window.lateness()).hasSizeBetween(1, (int) (elapsedMillis / 10) + 2);
			assertThat(window.lateness()).isSorted();
			assertThat(window.lateness()[0]).isNotNegative();
			assertThat(window.shares()).isNotNull();
			assertThat(window.shares().busyPercent()).isBetween(0.0, 100.0);
			// the window right after is fresh: only the wake-ups since
			assertThat(next.lateness().length).isLessThanOrEqualTo((int) (nextMillis / 10) + 2);
		}
	}

	@Test
	void theMachineCheckMeasuresTheSortAndTheWakeUps() throws Exception {
		String line = MachineCheck.check(Duration.ofMillis(200));

		assertThat(line)
			.matches("sorting 1,000,000 ints took best \\d+\\.\\d / median \\d+\\.\\d ms \\(checksum -?\\d+\\); "
					+ "machine \\d+\\.\\d % busy \\(steal \\d+\\.\\d %\\); a thread sleeping 1 ms woke late by p50 [\\d.]+ / "
					+ "p99 [\\d.]+ / max [\\d.]+ ms \\(\\d+ wake-ups\\)");
	}

}
