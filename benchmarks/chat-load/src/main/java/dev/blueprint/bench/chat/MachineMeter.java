package dev.blueprint.bench.chat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * How busy and how prompt the machine is over a window, beside what the stack reports:
 * the share of both cores in use (and stolen by the hypervisor) from {@code /proc/stat},
 * and how late a thread that sleeps for a fixed period wakes up. On a machine this busy
 * the lateness is the time a runnable thread waits for a core, which every hop of the
 * chat path pays too; on an idle machine it is the platform's own jitter. So it tells a
 * slow hour of the shared machine from a slow change. The thread runs in the generator's
 * JVM, so the generator's own GC pauses count as lateness too (as they count in the
 * latencies it measures).
 */
final class MachineMeter implements AutoCloseable {

	private final Duration period;

	private final AtomicReference<Latencies> lateness = new AtomicReference<>(new Latencies());

	private final Thread thread;

	private volatile boolean running = true;

	private Optional<Jiffies> since = Jiffies.read();

	MachineMeter(Duration period) {
		this.period = period;
		this.thread = new Thread(this::sleepAndMeasure, "machine-meter");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	private void sleepAndMeasure() {
		long nanos = this.period.toNanos();
		while (this.running) {
			long start = System.nanoTime();
			LockSupport.parkNanos(nanos);
			long late = System.nanoTime() - start - nanos;
			this.lateness.get().add(Math.max(0, late));
		}
	}

	/** What was measured since the last call (or the start), and a new window begun. */
	synchronized Window window() {
		Latencies late = this.lateness.getAndSet(new Latencies());
		Optional<Jiffies> now = Jiffies.read();
		Optional<Jiffies> before = this.since;
		this.since = now;
		return new Window(this.period, late.sorted(),
				before.flatMap((b) -> now.map((n) -> Jiffies.shares(b, n))).orElse(null));
	}

	@Override
	public void close() {
		this.running = false;
		LockSupport.unpark(this.thread);
	}

	/**
	 * @param period how long the meter's thread asked to sleep each time
	 * @param lateness how much later than that it woke, sorted, in nanoseconds
	 * @param shares the machine's CPU shares over the window; null off Linux
	 */
	record Window(Duration period, long[] lateness, Shares shares) {

		/**
		 * "machine 76.0 % busy (steal 0.2 %); a thread sleeping 5 ms woke late by p50
		 * 0.08 / p99 3.21 / max 12.04 ms (12000 wake-ups)".
		 */
		String format() {
			String busy = (this.shares != null) ? String.format(Locale.ROOT, "machine %.1f %% busy (steal %.1f %%); ",
					this.shares.busyPercent(), this.shares.stealPercent()) : "";
			return busy + String.format(
					"a thread sleeping %d ms woke late by p50 %.2f / p99 %.2f / max %.2f ms (%d wake-ups)",
					this.period.toMillis(), Latencies.millis(this.lateness, 0.5), Latencies.millis(this.lateness, 0.99),
					Latencies.millis(this.lateness, 1.0), this.lateness.length);
		}

	}

	/** Shares of all cores' time over a window, in percent. */
	record Shares(double busyPercent, double stealPercent) {
	}

	/**
	 * The first line of {@code /proc/stat}: clock ticks of all cores since boot by state.
	 */
	record Jiffies(long busy, long idle, long steal) {

		private static final Path STAT = Path.of("/proc/stat");

		static Optional<Jiffies> read() {
			try (var lines = Files.lines(STAT)) {
				return lines.findFirst().map(Jiffies::parse);
			}
			catch (IOException | RuntimeException ex) {
				// not Linux
				return Optional.empty();
			}
		}

		/**
		 * {@code cpu user nice system idle iowait irq softirq steal ...}: idle and iowait
		 * are idle; steal is time the hypervisor ran something else; the rest is busy
		 * (guest time is already inside user).
		 */
		static Jiffies parse(String line) {
			String[] fields = line.trim().split("\\s+");
			if (!fields[0].equals("cpu") || fields.length < 9) {
				throw new IllegalArgumentException("not the cpu line of /proc/stat: '" + line + "'");
			}
			List<Long> ticks = java.util.Arrays.stream(fields, 1, 9).map(Long::parseLong).toList();
			long idle = ticks.get(3) + ticks.get(4);
			long steal = ticks.get(7);
			long busy = ticks.get(0) + ticks.get(1) + ticks.get(2) + ticks.get(5) + ticks.get(6);
			return new Jiffies(busy, idle, steal);
		}

		static Shares shares(Jiffies before, Jiffies after) {
			double busy = after.busy - before.busy;
			double idle = after.idle - before.idle;
			double steal = after.steal - before.steal;
			double total = busy + idle + steal;
			if (total <= 0) {
				return new Shares(0, 0);
			}
			return new Shares(100 * busy / total, 100 * steal / total);
		}

	}

}
