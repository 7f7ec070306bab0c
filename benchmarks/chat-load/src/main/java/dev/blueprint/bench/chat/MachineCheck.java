package dev.blueprint.bench.chat;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A look at the machine before a benchmark starts anything, printed on one line: how long
 * one core takes for a fixed piece of work (sorting the same million ints; best and
 * median of {@value #ROUNDS}), and, over {@value #WAKE_SECONDS} s, how late a thread that
 * sleeps 1 ms wakes and how busy the machine already is. This machine is shared: the same
 * code measured 2× apart in p50 in different hours, and this line is what tells the hours
 * apart when results are compared.
 */
public final class MachineCheck {

	static final int ROUNDS = 15;

	static final int WAKE_SECONDS = 5;

	private static final int INTS = 1_000_000;

	private MachineCheck() {
	}

	public static void main(String[] args) throws Exception {
		System.out.println("== machine check: " + check(Duration.ofSeconds(WAKE_SECONDS)));
	}

	static String check(Duration wakeUps) throws InterruptedException {
		int[] source = new SplittableRandom(42).ints(INTS).toArray();
		// warm the JIT on the same work first
		long checksum = 0;
		for (int i = 0; i < 5; i++) {
			checksum += sortOnce(source);
		}
		long[] nanos = new long[ROUNDS];
		for (int i = 0; i < ROUNDS; i++) {
			long start = System.nanoTime();
			checksum += sortOnce(source);
			nanos[i] = System.nanoTime() - start;
		}
		Arrays.sort(nanos);
		String speed = String.format(Locale.ROOT, "sorting %,d ints took best %.1f / median %.1f ms (checksum %d)",
				INTS, nanos[0] / 1e6, nanos[ROUNDS / 2] / 1e6, checksum);
		try (MachineMeter meter = new MachineMeter(Duration.ofMillis(1))) {
			meter.window();
			Thread.sleep(wakeUps.toMillis());
			return speed + "; " + meter.window().format();
		}
	}

	private static long sortOnce(int[] source) {
		int[] copy = source.clone();
		Arrays.sort(copy);
		return copy[copy.length / 2];
	}

}
