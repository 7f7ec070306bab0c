package dev.blueprint.local;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class TimerSlackTests {

	@Test
	void aProcessStartedAroundASlackInheritsItAndTheCallingThreadGetsItsOwnBack() throws Exception {
		Path own = Path.of("/proc", Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString(),
				"timerslack_ns");
		String before = Files.readString(own).trim();

		Process sleeper = TimerSlack.around(1_000_000, () -> new ProcessBuilder("sleep", "30").start());
		try {
			assertThat(slackOf(sleeper.pid())).isEqualTo(1_000_000);
			assertThat(Files.readString(own).trim()).isEqualTo(before);
		}
		finally {
			sleeper.destroy();
		}
	}

	@Test
	void zeroStartsTheProcessWithTheCallersSlack() throws Exception {
		Path own = Path.of("/proc", Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString(),
				"timerslack_ns");
		long callers = Long.parseLong(Files.readString(own).trim());

		Process sleeper = TimerSlack.around(0, () -> new ProcessBuilder("sleep", "30").start());
		try {
			assertThat(slackOf(sleeper.pid())).isEqualTo(callers).isNotEqualTo(1_000_000);
		}
		finally {
			sleeper.destroy();
		}
	}

	@Test
	void cassandraStartsWithAOneMillisecondSlackAndRedisWithTheLaunchers(@TempDir Path state) {
		StackSettings settings = StackSettings.forTests(state, state);

		assertThat(new CassandraServer(settings, state).timerSlackNanos()).isEqualTo(1_000_000);
		assertThat(new RedisServer(settings).timerSlackNanos()).isZero();
	}

	private static long slackOf(long pid) throws java.io.IOException {
		return Long.parseLong(Files.readString(Path.of("/proc", Long.toString(pid), "timerslack_ns")).trim());
	}

}
