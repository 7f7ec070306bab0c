package dev.blueprint.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.blueprint.local.Reaper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two-command promise, end to end: {@code ./suite up -d} brings three real servers
 * and six healthy services up, {@code ps} shows them, {@code down} (or Ctrl-C on a
 * foreground {@code up}) stops every one and frees every port, and a taken port stops
 * {@code up} before it starts anything. Runs before the scenario classes, which share one
 * stack ({@link SharedSuite}).
 */
@Order(1)
class SuiteLifecycleIntegrationTests {

	private static final Duration UP_TIMEOUT = Duration.ofMinutes(8);

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final ObjectMapper json = new ObjectMapper();

	@AfterEach
	void down() {
		Suite.run(Duration.ofMinutes(2), "down");
	}

	@Test
	void upDetachedStartsNineHealthyProcessesThatReachTheirServersAndDownStopsThemAll() throws Exception {
		Suite.Result up = Suite.run(UP_TIMEOUT, "up", "-d", "--watch-pid", Long.toString(Reaper.buildOwnerPid()));
		assertThat(up.exitCode()).as(up.output()).isZero();
		assertThat(up.output()).contains("All healthy in");

		Suite.Result ps = Suite.run(Duration.ofMinutes(1), "ps");
		assertThat(ps.count("\\S+\\s+\\d+\\s+\\d+\\s+running\\s.*")).as(ps.output()).isEqualTo(9);
		assertThat(ps.count("(\\S+-service|chat-gateway)\\s.*running.* UP")).as(ps.output()).isEqualTo(6);
		assertThat(ps.output()).contains("9 running");

		String token = Suite.run(Duration.ofMinutes(1), "token", "e2e-user").output().trim();
		for (Map.Entry<String, List<String>> service : Suite.SERVICES.entrySet()) {
			JsonNode health = getJson(service.getKey(), "/actuator/health");
			assertThat(health.path("status").asString()).isEqualTo("UP");
			for (String dependency : service.getValue()) {
				assertThat(health.path("components").path(dependency).path("status").asString())
					.as(service.getKey() + " → " + dependency)
					.isEqualTo("UP");
			}
			assertThat(get(service.getKey(), "/api/v1/e2e-probe", null).statusCode()).isEqualTo(401);
			assertThat(get(service.getKey(), "/api/v1/e2e-probe", token).statusCode())
				.as(service.getKey() + " accepts the stack's ./suite token")
				.isNotEqualTo(401);
		}

		Suite.Result down = Suite.run(Duration.ofMinutes(2), "down");
		assertThat(down.exitCode()).isZero();
		assertEverythingStopped();
	}

	@Test
	void aTakenPortMakesUpFailNamingThePortAndStartNothing() throws Exception {
		int cassandra = Suite.settings().cassandraPort();
		try (ServerSocket squatter = new ServerSocket()) {
			squatter.bind(new InetSocketAddress("127.0.0.1", cassandra));
			Suite.Result up = Suite.run(UP_TIMEOUT, "up", "-d");
			assertThat(up.exitCode()).isNotZero();
			assertThat(up.output()).contains("port " + cassandra + " (cassandra)").contains("Nothing was started");
		}
		assertEverythingStopped();
	}

	@Test
	void ctrlCOnAForegroundUpStopsEverythingItStarted() throws Exception {
		Process up = Suite.command("up").start();
		CompletableFuture<String> ready = new CompletableFuture<>();
		StringBuilder output = new StringBuilder();
		Thread reader = new Thread(() -> {
			try (BufferedReader lines = new BufferedReader(
					new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = lines.readLine()) != null) {
					System.out.println("[suite up] " + line);
					output.append(line).append('\n');
					if (line.startsWith("Press Ctrl-C")) {
						ready.complete(line);
					}
				}
				ready.completeExceptionally(new AssertionError("./suite up ended early:\n" + output));
			}
			catch (IOException ex) {
				ready.completeExceptionally(ex);
			}
		});
		reader.start();
		try {
			ready.get(UP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			assertThat(Suite.run(Duration.ofMinutes(1), "ps").output()).contains("9 running");
			assertThat(up.info().commandLine().orElse(""))
				.as("the launcher runs from the state dir's copy, which a rebuild does not rewrite")
				.contains("-jar " + Suite.STATE.resolve("jars/blueprint-local-launcher.jar"));

			new ProcessBuilder("kill", "-INT", Long.toString(up.pid())).inheritIO().start().waitFor();

			assertThat(up.waitFor(2, TimeUnit.MINUTES)).as("./suite up exits after SIGINT").isTrue();
			reader.join(5000);
			assertThat(output).contains("Stopping...").doesNotContain("exited unexpectedly");
			assertEverythingStopped();
		}
		finally {
			up.destroyForcibly();
		}
	}

	private void assertEverythingStopped() {
		Suite.Result ps = Suite.run(Duration.ofMinutes(1), "ps");
		assertThat(ps.output()).as(ps.output()).contains("0 running");
		for (int port : Suite.allPorts()) {
			assertThat(listening(port)).as("port " + port + " is free").isFalse();
		}
	}

	private static boolean listening(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 300);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private JsonNode getJson(String service, String path) throws Exception {
		return this.json.readTree(get(service, path, null).body());
	}

	private HttpResponse<String> get(String service, String path, String token) throws Exception {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + Suite.port(service) + path))
			.timeout(Duration.ofSeconds(10));
		if (token != null) {
			request.header("Authorization", "Bearer " + token);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
