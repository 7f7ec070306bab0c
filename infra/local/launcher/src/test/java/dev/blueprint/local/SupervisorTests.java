package dev.blueprint.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The pid-file checks against real child processes of this JVM. */
class SupervisorTests {

	@TempDir
	Path state;

	private Supervisor supervisor;

	@BeforeEach
	void supervisor() {
		this.supervisor = new Supervisor(this.state);
	}

	@AfterEach
	void stopAll() {
		this.supervisor.recorded().forEach((name) -> this.supervisor.stop(name, Duration.ofSeconds(5)));
	}

	@Test
	void aStartedProcessIsRunningUntilStoppedAndItsPidFileRecordsTicksAndBoot() throws Exception {
		ProcessHandle handle = startSleeper();

		assertThat(this.supervisor.running("sleeper")).contains(handle);
		ProcessIdentity recorded = recorded("sleeper");
		assertThat(recorded.pid()).isEqualTo(handle.pid());
		assertThat(recorded.startTicks()).isPositive();
		assertThat(recorded.bootId()).isNotEmpty();

		assertThat(this.supervisor.stop("sleeper", Duration.ofSeconds(5))).isTrue();
		assertThat(handle.isAlive()).isFalse();
		assertThat(this.supervisor.running("sleeper")).isEmpty();
		assertThat(pidFile("sleeper")).doesNotExist();
	}

	@Test
	void aWallClockStepAfterStartDoesNotLoseTheProcess() throws Exception {
		ProcessHandle handle = startSleeper();
		ProcessIdentity recorded = recorded("sleeper");

		// what the JVM reports after the clock was stepped by an hour: the start instant
		// moves
		write("sleeper", new ProcessIdentity(recorded.pid(), recorded.startedMillis() - 3_600_000,
				recorded.startTicks(), recorded.bootId()));

		assertThat(this.supervisor.running("sleeper")).contains(handle);
		assertThat(this.supervisor.stop("sleeper", Duration.ofSeconds(5))).isTrue();
		assertThat(handle.isAlive()).isFalse();
	}

	@Test
	void aPidNowHeldByAnotherProcessIsNotOursAndIsNeverSignalled() throws Exception {
		ProcessHandle handle = startSleeper();
		ProcessIdentity recorded = recorded("sleeper");

		try {
			// as if the pid had been reused: same pid, started at another tick
			write("sleeper", new ProcessIdentity(recorded.pid(), recorded.startedMillis(), recorded.startTicks() + 1,
					recorded.bootId()));

			assertThat(this.supervisor.running("sleeper")).isEmpty();
			assertThat(this.supervisor.stop("sleeper", Duration.ofSeconds(5))).isFalse();
			assertThat(handle.isAlive()).isTrue();
		}
		finally {
			handle.destroy();
		}
	}

	@Test
	void aPidFileFromAnOlderLauncherIsStillJudgedByItsStartInstant() throws Exception {
		ProcessHandle handle = startSleeper();
		ProcessIdentity recorded = recorded("sleeper");

		try {
			Files.writeString(pidFile("sleeper"), recorded.pid() + " " + recorded.startedMillis() + "\n");
			assertThat(this.supervisor.running("sleeper")).contains(handle);

			Files.writeString(pidFile("sleeper"), recorded.pid() + " " + (recorded.startedMillis() - 60_000) + "\n");
			assertThat(this.supervisor.running("sleeper")).isEmpty();
		}
		finally {
			handle.destroy();
		}
	}

	private ProcessHandle startSleeper() throws Exception {
		return this.supervisor.start("sleeper", new ProcessBuilder("sleep", "120"));
	}

	private ProcessIdentity recorded(String name) throws Exception {
		return ProcessIdentity.parse(Files.readString(pidFile(name)));
	}

	private Path pidFile(String name) {
		return this.state.resolve("run").resolve(name + ".pid");
	}

	private void write(String name, ProcessIdentity identity) throws Exception {
		Files.writeString(pidFile(name), identity.format() + "\n");
	}

}
