package dev.blueprint.local;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The launcher's process management against a real Redis server: idempotent start,
 * fail-fast on a taken port, and stopping only what a stack started. (Kafka and Cassandra
 * starts are proven by libs/test-support and the end-to-end suite.)
 */
class LocalStackIntegrationTests {

	private static final Path REPO = Path.of(System.getProperty("blueprint.repo.dir", "../../.."));

	private final PrintStream out = new PrintStream(new ByteArrayOutputStream());

	@TempDir
	Path stateA;

	@TempDir
	Path stateB;

	private LocalStack stackA;

	private LocalStack stackB;

	@AfterEach
	void stopEverything() {
		if (this.stackA != null) {
			this.stackA.down(this.out);
		}
		if (this.stackB != null) {
			this.stackB.down(this.out);
		}
	}

	@Test
	void upIsIdempotentAndDownFreesThePort() {
		this.stackA = stack(this.stateA, 21000);
		RedisServer redis = new RedisServer(this.stackA.settings());

		assertThat(this.stackA.up(List.of(redis), this.out)).containsExactly("redis");
		assertThat(redis.probe()).hasValueSatisfying((detail) -> assertThat(detail).startsWith("redis "));
		long pid = this.stackA.supervisor().running("redis").orElseThrow().pid();

		assertThat(this.stackA.up(List.of(redis), this.out)).isEmpty();
		assertThat(this.stackA.supervisor().running("redis").orElseThrow().pid()).isEqualTo(pid);

		this.stackA.down(this.out);
		assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
		assertThat(Probes.portInUse(redis.port())).isFalse();
	}

	@Test
	void aTakenPortFailsFastNamingThePortAndStartsNothing() throws Exception {
		this.stackA = stack(this.stateA, 21000);
		RedisServer redis = new RedisServer(this.stackA.settings());
		try (ServerSocket squatter = new ServerSocket()) {
			squatter.bind(new InetSocketAddress("127.0.0.1", redis.port()));
			assertThatExceptionOfType(LauncherException.class)
				.isThrownBy(() -> this.stackA.up(List.of(redis), this.out))
				.withMessageStartingWith("Already in use by another process: port " + redis.port() + " (redis)")
				.withMessageContaining("Nothing was started");
			assertThat(this.stackA.supervisor().recorded()).isEmpty();
		}
	}

	@Test
	void aTakenServicePortFailsTheWholeUpBeforeAnyServerStarts() throws Exception {
		this.stackA = stack(this.stateA, 21000);
		int shortener = ServiceProcess.DEFAULT_PORTS.get("url-shortener-service") + 21000;
		try (ServerSocket squatter = new ServerSocket()) {
			squatter.bind(new InetSocketAddress("127.0.0.1", shortener));
			assertThatExceptionOfType(LauncherException.class).isThrownBy(() -> this.stackA.upAll(this.out))
				.withMessageStartingWith(
						"Already in use by another process: port " + shortener + " (url-shortener-service)");
			assertThat(this.stackA.supervisor().recorded()).as("not even Redis was started").isEmpty();
		}
	}

	@Test
	void downStopsOnlyTheProcessesOfItsOwnStack() {
		this.stackA = stack(this.stateA, 21000);
		this.stackB = stack(this.stateB, 22000);
		RedisServer redisA = new RedisServer(this.stackA.settings());
		RedisServer redisB = new RedisServer(this.stackB.settings());
		this.stackA.up(List.of(redisA), this.out);
		this.stackB.up(List.of(redisB), this.out);

		this.stackA.down(this.out);

		assertThat(Probes.portInUse(redisA.port())).isFalse();
		assertThat(redisB.probe()).isPresent();
		assertThat(this.stackB.supervisor().running("redis")).isPresent();
	}

	@Test
	void aProcessThatDiesDuringStartUpFailsUpWithTheTailOfItsLog() {
		this.stackA = stack(this.stateA, 21000);
		Component broken = component("broken-service", 28999,
				new ProcessBuilder("sh", "-c", "echo 'APPLICATION FAILED TO START: no key'; exit 3"));
		assertThatExceptionOfType(LauncherException.class).isThrownBy(() -> this.stackA.up(List.of(broken), this.out))
			.withMessageStartingWith("broken-service exited during start-up. Last lines of ")
			.withMessageContaining("APPLICATION FAILED TO START: no key");
		assertThat(this.stackA.supervisor().recorded()).isEmpty();
	}

	@Test
	void abortStopsWhatAnUpStartedWhileItWaitsAndRefusesFurtherStarts() throws Exception {
		this.stackA = stack(this.stateA, 21000);
		// never ready: it answers no probe
		Component slow = component("slow-service", 28998, new ProcessBuilder("sleep", "600"));
		java.util.concurrent.CompletableFuture<List<String>> up = java.util.concurrent.CompletableFuture
			.supplyAsync(() -> this.stackA.up(List.of(slow), this.out));
		long deadline = System.nanoTime() + 10_000_000_000L;
		while (this.stackA.supervisor().running("slow-service").isEmpty() && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		ProcessHandle process = this.stackA.supervisor().running("slow-service").orElseThrow();

		assertThat(this.stackA.abort(this.out)).containsExactly("slow-service");

		assertThat(process.isAlive()).isFalse();
		assertThatExceptionOfType(java.util.concurrent.ExecutionException.class)
			.isThrownBy(() -> up.get(10, java.util.concurrent.TimeUnit.SECONDS))
			.withCauseInstanceOf(LauncherException.class);
		assertThatExceptionOfType(LauncherException.class).isThrownBy(() -> this.stackA.up(List.of(slow), this.out))
			.withMessage("Stopped while starting the stack");
		assertThat(this.stackA.supervisor().recorded()).isEmpty();
	}

	/** A component that runs {@code command} and never answers its probe. */
	private static Component component(String name, int port, ProcessBuilder command) {
		return new Component() {

			@Override
			public String name() {
				return name;
			}

			@Override
			public int port() {
				return port;
			}

			@Override
			public List<Integer> ports() {
				return List.of(port);
			}

			@Override
			public ProcessBuilder command() {
				return command;
			}

			@Override
			public java.util.Optional<String> probe() {
				return java.util.Optional.empty();
			}

		};
	}

	private static LocalStack stack(Path state, int offset) {
		return new LocalStack(new StackSettings(REPO, state, offset, "512m", "384m", "256m", "64mb"), Map.of());
	}

}
