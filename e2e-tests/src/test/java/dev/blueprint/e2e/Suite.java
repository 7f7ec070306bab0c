package dev.blueprint.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.blueprint.local.StackSettings;

/**
 * Drives {@code ./suite} as a user would, on a stack of its own: state in
 * e2e-tests/target, every port shifted by {@link #PORT_OFFSET} (20000 by default), no
 * build (the reactor already built the jars).
 */
final class Suite {

	/**
	 * 20000 unless {@code blueprint.e2e.port-offset} says otherwise (two builds on one
	 * machine).
	 */
	static final int PORT_OFFSET = Integer.getInteger("blueprint.e2e.port-offset", 20000);

	static final Path REPO = Path.of(System.getProperty("blueprint.repo.dir", "..")).toAbsolutePath().normalize();

	static final Path STATE = Path.of(System.getProperty("blueprint.e2e.state-dir", "target/e2e-stack"))
		.toAbsolutePath();

	/** Service name → the health components of the real servers it depends on. */
	static final Map<String, List<String>> SERVICES = Map.of("url-shortener-service", List.of("cassandra", "redis"),
			"rate-limiter-service", List.of("redis"), "chat-gateway", List.of("kafka", "redis"), "chat-message-service",
			List.of("cassandra", "kafka"), "presence-service", List.of("redis"), "notification-service",
			List.of("cassandra", "kafka", "redis"));

	/** Service name → its DESIGN.md port. */
	static final Map<String, Integer> SERVICE_PORTS = Map.of("url-shortener-service", 8081, "rate-limiter-service",
			8082, "chat-gateway", 8083, "chat-message-service", 8084, "presence-service", 8085, "notification-service",
			8086);

	private Suite() {
	}

	/**
	 * The settings {@code ./suite} reads from the environment {@link #command} gives it.
	 */
	static StackSettings settings() {
		Map<String, String> env = new HashMap<>(System.getenv());
		env.put("BLUEPRINT_STATE_DIR", STATE.toString());
		env.put("BLUEPRINT_PORT_OFFSET", Integer.toString(PORT_OFFSET));
		return StackSettings.fromEnvironment(REPO, env);
	}

	static int port(String service) {
		return SERVICE_PORTS.get(service) + PORT_OFFSET;
	}

	/** Every port the stack binds: nine processes, thirteen ports. */
	static List<Integer> allPorts() {
		StackSettings settings = settings();
		List<Integer> ports = new ArrayList<>(
				List.of(settings.redisPort(), settings.kafkaPort(), settings.kafkaControllerPort(),
						settings.cassandraPort(), settings.cassandraStoragePort(), settings.cassandraJmxPort()));
		SERVICE_PORTS.values().forEach((port) -> ports.add(port + PORT_OFFSET));
		return ports;
	}

	static ProcessBuilder command(String... args) {
		List<String> command = new ArrayList<>();
		command.add(REPO.resolve("suite").toString());
		command.addAll(List.of(args));
		ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile()).redirectErrorStream(true);
		builder.environment().put("BLUEPRINT_STATE_DIR", STATE.toString());
		builder.environment().put("BLUEPRINT_PORT_OFFSET", Integer.toString(PORT_OFFSET));
		builder.environment().put("BLUEPRINT_SKIP_BUILD", "1");
		builder.environment().remove("BLUEPRINT_JWT_HMAC_SECRET");
		// The chat scenarios send bursts of 1,000 messages from one user;
		// GatewayIntegrationTests
		// proves the per-user limit itself.
		builder.environment().put("CHAT_SEND_LIMIT_PER_SECOND", "100000");
		builder.environment().put("CHAT_SEND_BURST", "100000");
		return builder;
	}

	/** Runs a verb to completion. */
	static Result run(Duration timeout, String... args) {
		try {
			Process process = command(args).start();
			StringBuilder output = new StringBuilder();
			Thread reader = new Thread(() -> {
				try (BufferedReader lines = new BufferedReader(
						new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
					lines.lines().forEach((line) -> {
						System.out.println("[suite " + args[0] + "] " + line);
						synchronized (output) {
							output.append(line).append('\n');
						}
					});
				}
				catch (IOException | UncheckedIOException ex) {
					// process ended
				}
			});
			reader.start();
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly();
				throw new AssertionError("./suite " + String.join(" ", args) + " did not finish within " + timeout);
			}
			reader.join(5000);
			synchronized (output) {
				return new Result(process.exitValue(), output.toString());
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AssertionError(ex);
		}
	}

	record Result(int exitCode, String output) {

		long count(String pattern) {
			return this.output.lines().filter((line) -> line.matches(pattern)).count();
		}

	}

}
