package dev.blueprint.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a pid file records so that a later launcher can tell the process it started from
 * another that got the same pid: the pid, the start time in epoch milliseconds and, where
 * Linux's procfs is there, the start time in clock ticks since boot plus the boot id.
 * <p>
 * The ticks decide when both sides have them: they do not move when the wall clock is
 * stepped (NTP, a VM snapshot or fork), whereas the JVM derives a process's start instant
 * from the wall clock now and so shifts it by every step. The millisecond check is the
 * fallback without procfs and for pid files written before the ticks were recorded.
 *
 * @param pid the process id
 * @param startedMillis start instant in epoch milliseconds, as the JVM reported it at
 * start
 * @param startTicks start time in clock ticks since boot ({@code /proc/PID/stat} field
 * 22), or -1 if unknown
 * @param bootId {@code /proc/sys/kernel/random/boot_id} at start, or empty if unknown
 */
record ProcessIdentity(long pid, long startedMillis, long startTicks, String bootId) {

	/** How far two start instants derived from the wall clock may differ. */
	static final long MILLIS_TOLERANCE = 2000;

	private static final Path PROC = Path.of("/proc");

	/** The identity of a live process, as this machine reports it now. */
	static ProcessIdentity of(ProcessHandle handle) {
		long millis = handle.info().startInstant().map((start) -> start.toEpochMilli()).orElse(-1L);
		return new ProcessIdentity(handle.pid(), millis, startTicks(PROC, handle.pid()).orElse(-1), bootId(PROC));
	}

	/**
	 * Reads a pid file's line: {@code PID MILLIS [TICKS BOOTID ...]}. Fields after the
	 * fourth are ignored, so a later launcher may add some without this one taking a live
	 * stack for stopped.
	 * @throws IllegalArgumentException if the line has another shape
	 */
	static ProcessIdentity parse(String line) {
		String[] parts = line.trim().split("\\s+");
		if (parts.length != 2 && parts.length < 4) {
			throw new IllegalArgumentException("not a pid file line: '" + line + "'");
		}
		long pid = Long.parseLong(parts[0]);
		long millis = Long.parseLong(parts[1]);
		return (parts.length == 2) ? new ProcessIdentity(pid, millis, -1, "")
				: new ProcessIdentity(pid, millis, Long.parseLong(parts[2]), parts[3]);
	}

	/** The pid file's line for this identity. */
	String format() {
		return (this.startTicks >= 0 && !this.bootId.isEmpty())
				? this.pid + " " + this.startedMillis + " " + this.startTicks + " " + this.bootId
				: this.pid + " " + this.startedMillis;
	}

	/**
	 * Whether {@code live}, the identity of the process that now has this pid, is the
	 * process this identity recorded.
	 */
	boolean sameProcessAs(ProcessIdentity live) {
		if (this.pid != live.pid) {
			return false;
		}
		if (this.startTicks >= 0 && live.startTicks >= 0 && !this.bootId.isEmpty() && !live.bootId.isEmpty()) {
			return this.startTicks == live.startTicks && this.bootId.equals(live.bootId);
		}
		return this.startedMillis >= 0 && live.startedMillis >= 0
				&& Math.abs(this.startedMillis - live.startedMillis) < MILLIS_TOLERANCE;
	}

	/**
	 * Field 22 of {@code /proc/PID/stat}. The second field, the command in parentheses,
	 * may itself hold spaces and parentheses, so fields are counted after its last
	 * {@code ')'}.
	 */
	static OptionalLong startTicks(String statLine) {
		int close = statLine.lastIndexOf(')');
		if (close < 0) {
			return OptionalLong.empty();
		}
		String[] fields = statLine.substring(close + 1).trim().split("\\s+");
		// fields[0] is field 3 (state), so field 22 is fields[19]
		if (fields.length < 20) {
			return OptionalLong.empty();
		}
		try {
			return OptionalLong.of(Long.parseLong(fields[19]));
		}
		catch (NumberFormatException ex) {
			return OptionalLong.empty();
		}
	}

	static OptionalLong startTicks(Path proc, long pid) {
		return read(proc.resolve(Long.toString(pid)).resolve("stat")).map(ProcessIdentity::startTicks)
			.orElse(OptionalLong.empty());
	}

	static String bootId(Path proc) {
		return read(proc.resolve("sys/kernel/random/boot_id")).map(String::trim)
			.filter((id) -> !id.isEmpty() && !id.contains(" "))
			.orElse("");
	}

	private static Optional<String> read(Path file) {
		try {
			return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
		}
		catch (IOException | RuntimeException ex) {
			// no procfs, or the process is gone
			return Optional.empty();
		}
	}

}
