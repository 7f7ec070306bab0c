package dev.blueprint.bench.chat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time used by every process of the stack ({@code state-dir}/run/*.pid, as
 * {@code ./suite} writes them) and by this generator, read from {@code /proc}: what a
 * step cost the machine, by process.
 */
final class StackCpu {

	/** USER_HZ: 100 on every Linux this runs on ({@code getconf CLK_TCK}). */
	private static final double MILLIS_PER_TICK = 1000.0 / 100;

	private final String stateDir;

	StackCpu(String stateDir) {
		this.stateDir = stateDir;
	}

	/** CPU time (user + system, clock ticks) by process name; empty off Linux. */
	Map<String, Long> ticks() {
		Map<String, Long> ticks = new TreeMap<>();
		if (!this.stateDir.isEmpty()) {
			try (Stream<Path> pids = Files.list(Path.of(this.stateDir, "run"))) {
				pids.filter((file) -> file.getFileName().toString().endsWith(".pid")).forEach((file) -> {
					String name = file.getFileName().toString().replaceFirst("\\.pid$", "");
					try {
						String pid = Files.readString(file).trim().split("\\s+")[0];
						ticks.put(name, ticksOf(pid));
					}
					catch (Exception ex) {
						// a process that is gone has no CPU to report
					}
				});
			}
			catch (Exception ex) {
				System.err.println("no pid files under " + this.stateDir + "/run: " + ex);
			}
		}
		try {
			ticks.put("generator", ticksOf(Long.toString(ProcessHandle.current().pid())));
		}
		catch (Exception ex) {
			// not on Linux
		}
		return ticks;
	}

	/**
	 * CPU milliseconds each process used between two readings of {@link #ticks()},
	 * divided by {@code units} (messages, changes).
	 */
	static Map<String, Double> millisPer(Map<String, Long> before, Map<String, Long> after, double units) {
		Map<String, Double> millis = new LinkedHashMap<>();
		after.forEach((name, ticks) -> millis.put(name,
				(ticks - before.getOrDefault(name, ticks)) * MILLIS_PER_TICK / Math.max(1, units)));
		return millis;
	}

	/**
	 * "name 0.12, ..., stack 1.11, with generator 1.23": the stack's total leaves this
	 * generator out (it added ~0.2 ms per message to the stack's figure before
	 * 2026-12-07).
	 */
	static String format(Map<String, Double> millis) {
		StringBuilder text = new StringBuilder();
		double stack = 0;
		double total = 0;
		for (Map.Entry<String, Double> entry : millis.entrySet()) {
			text.append(String.format(Locale.ROOT, "%s %.2f, ", entry.getKey(), entry.getValue()));
			total += entry.getValue();
			if (!entry.getKey().equals("generator")) {
				stack += entry.getValue();
			}
		}
		return text.append(String.format(Locale.ROOT, "stack %.2f, with generator %.2f", stack, total)).toString();
	}

	/**
	 * utime + stime of /proc/PID/stat (fields 14 and 15, after the parenthesised name).
	 */
	private static long ticksOf(String pid) throws Exception {
		String stat = Files.readString(Path.of("/proc", pid, "stat"));
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
	}

}
