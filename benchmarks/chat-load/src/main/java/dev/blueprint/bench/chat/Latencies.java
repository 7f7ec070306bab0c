package dev.blueprint.bench.chat;

import java.util.Arrays;

/**
 * Every latency of one step, in nanoseconds, kept exactly (a step has at most a few
 * hundred thousand), so percentiles are exact rather than bucketed.
 */
final class Latencies {

	private long[] values = new long[1024];

	private int count;

	synchronized void add(long nanos) {
		if (this.count == this.values.length) {
			this.values = Arrays.copyOf(this.values, this.count * 2);
		}
		this.values[this.count++] = nanos;
	}

	synchronized int count() {
		return this.count;
	}

	/** Sorted copy of the values so far. */
	synchronized long[] sorted() {
		long[] copy = Arrays.copyOf(this.values, this.count);
		Arrays.sort(copy);
		return copy;
	}

	/**
	 * The value at quantile {@code q} (nearest rank) of sorted values, in milliseconds;
	 * NaN when empty.
	 */
	static double millis(long[] sorted, double q) {
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int rank = (int) Math.ceil(q * sorted.length);
		return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] / 1e6;
	}

}
