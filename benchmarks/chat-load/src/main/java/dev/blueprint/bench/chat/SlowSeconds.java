package dev.blueprint.bench.chat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which seconds of a step the slow deliveries were scheduled in: a tail made of a few bad
 * seconds points at a periodic stall (a collection, a burst of background work) that the
 * step's percentiles hide; a tail spread over every second points at queueing. The
 * seconds are printed as the UTC time of the scheduled send, to line up with the
 * services' GC logs and metrics.
 */
final class SlowSeconds {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

	private final long startNanos;

	private final Instant startTime;

	private final long thresholdNanos;

	/** second of the step → {slow deliveries, the slowest in nanoseconds}. */
	private final Map<Long, long[]> seconds = new TreeMap<>();

	SlowSeconds(long startNanos, Instant startTime, long thresholdNanos) {
		this.startNanos = startNanos;
		this.startTime = startTime;
		this.thresholdNanos = thresholdNanos;
	}

	synchronized void add(long dueNanos, long latencyNanos) {
		if (latencyNanos <= this.thresholdNanos) {
			return;
		}
		long[] second = this.seconds.computeIfAbsent(Math.max(0, (dueNanos - this.startNanos) / 1_000_000_000L),
				(key) -> new long[2]);
		second[0]++;
		second[1] = Math.max(second[1], latencyNanos);
	}

	/**
	 * One line: how many of the step's seconds had a delivery over the threshold, and the
	 * {@code worst} of them by count.
	 */
	synchronized String summary(int stepSeconds, int worst) {
		String list = this.seconds.entrySet()
			.stream()
			.sorted(Comparator.comparingLong((Map.Entry<Long, long[]> entry) -> entry.getValue()[0]).reversed())
			.limit(worst)
			.map((entry) -> String.format("%s %d (%.0f ms)", TIME.format(this.startTime.plusSeconds(entry.getKey())),
					entry.getValue()[0], entry.getValue()[1] / 1e6))
			.collect(Collectors.joining(", "));
		return String.format("deliveries over %d ms in %d of %d s%s", this.thresholdNanos / 1_000_000,
				this.seconds.size(), stepSeconds,
				this.seconds.isEmpty() ? "" : "; most (UTC second of the send, deliveries, slowest): " + list);
	}

}
