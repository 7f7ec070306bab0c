package dev.blueprint.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Linux timer slack of the calling thread, set around starting a process: a child
 * inherits its parent thread's slack through fork and exec, and every thread it creates
 * inherits it in turn. The slack lets the kernel defer a timed wake-up (a
 * {@code parkNanos}, a {@code sleep}) by up to that long to batch it with others; 50 µs
 * by default. Where {@code /proc} does not offer it (not Linux), nothing changes.
 */
final class TimerSlack {

	private TimerSlack() {
	}

	interface Start<T> {

		T start() throws IOException;

	}

	/**
	 * Runs {@code start} with the calling thread's timer slack at {@code nanos}, then
	 * puts the thread's slack back. {@code nanos} 0 runs it as it is.
	 */
	static <T> T around(long nanos, Start<T> start) throws IOException {
		Path own = ownThread();
		String before = (nanos > 0 && own != null) ? read(own) : null;
		if (before == null) {
			return start.start();
		}
		write(own, Long.toString(nanos));
		try {
			return start.start();
		}
		finally {
			write(own, before);
		}
	}

	/** {@code /proc/<tid>/timerslack_ns} of the calling thread, or null. */
	private static Path ownThread() {
		try {
			Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
			Path file = Path.of("/proc", self.getFileName().toString(), "timerslack_ns");
			return Files.isWritable(file) ? file : null;
		}
		catch (IOException | UnsupportedOperationException ex) {
			return null;
		}
	}

	private static String read(Path file) {
		try {
			return Files.readString(file).trim();
		}
		catch (IOException ex) {
			return null;
		}
	}

	private static void write(Path file, String value) {
		try {
			Files.writeString(file, value);
		}
		catch (IOException ex) {
			// Not permitted here: the process starts with the default slack.
		}
	}

}
