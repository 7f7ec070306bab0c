package dev.blueprint.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.blueprint.testsupport.chat.StompTestClient;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every panel of every dashboard shows data, and every metric an alert reads exists,
 * proved against the whole suite with a real Prometheus (Debian's {@code prometheus}
 * binary) running the repo's prometheus.yml and alerts.yml. The only changes to the
 * config: targets point at this suite's ports on 127.0.0.1 and Prometheus scrapes every
 * second. Traffic is driven twice (shorten, redirect, delete, rate-limit checks, a chat
 * message), so rates and quantiles have samples before and after it; then each panel
 * query, with Grafana's variables replaced, must return at least one series with a finite
 * value.
 */
@ExtendWith(SharedSuite.class)
class DashboardQueriesIntegrationTests {

	/** What Grafana's variables stand for here (a window that covers all the traffic). */
	static final Map<String, String> GRAFANA_VARIABLES = Map.of("$__rate_interval", "2m", "${__rate_interval}", "2m",
			"$__interval", "15s", "$__range", "5m");

	private static final Path WORK = Suite.STATE.resolveSibling("prometheus");

	private static final HttpClient http = HttpClient.newBuilder()
		.connectTimeout(Duration.ofSeconds(5))
		.followRedirects(HttpClient.Redirect.NEVER)
		.build();

	private static final ObjectMapper json = new ObjectMapper();

	private static final List<StompTestClient> chatClients = new ArrayList<>();

	private static Process prometheus;

	private static int prometheusPort;

	@BeforeAll
	static void startPrometheusAndDriveTraffic() throws Exception {
		startPrometheus();
		try {
			await("every service scraped").atMost(Duration.ofSeconds(90))
				.pollInterval(Duration.ofSeconds(1))
				.until(() -> {
					JsonNode result = query("sum(up{job=\"blueprint\"})");
					return result.size() == 1 && value(result.get(0)) == 6;
				});
		}
		catch (ConditionTimeoutException ex) {
			throw new AssertionError("Prometheus could not scrape every service: " + scrapeErrors(), ex);
		}
		String alice = "obs-alice-" + UUID.randomUUID().toString().substring(0, 6);
		String bob = "obs-bob-" + UUID.randomUUID().toString().substring(0, 6);
		chatClients.add(ChatApi.connect(alice));
		chatClients.add(ChatApi.connect(bob));
		String conversation = ChatApi.conversation(alice, "direct", bob);
		// Twice, a few scrapes apart: series created by the first round have a before and
		// an after in the second, so rate() and histogram_quantile() have something to
		// show.
		for (int round = 1; round <= 2; round++) {
			driveShortener();
			driveRateLimiter(alice);
			chatClients.get(0).send(conversation, "obs-" + round, "hello " + round);
			long seq = chatClients.get(1).expect("messages", ChatApi.WAIT).path("seq").asLong();
			chatClients.get(0).expect("acks", ChatApi.WAIT);
			// bob reads it: the receipts panel's counters exist in the gateway and the
			// sequencer
			chatClients.get(1).sendRaw("/app/conversations/" + conversation + "/read", "{\"seq\":" + seq + "}");
			double after = value(query("vector(time())").get(0));
			await("a scrape of every service after round " + round).atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(500))
				.until(() -> {
					JsonNode oldest = query("min(timestamp(up{job=\"blueprint\"}))");
					return oldest.size() == 1 && value(oldest.get(0)) > after + 1;
				});
		}
	}

	@AfterAll
	static void stopPrometheus() {
		chatClients.forEach(StompTestClient::close);
		if (prometheus != null) {
			prometheus.destroy();
		}
	}

	@TestFactory
	Stream<DynamicTest> everyPanelQueryReturnsData() throws IOException {
		List<DynamicTest> tests = new ArrayList<>();
		for (JsonNode dashboard : GrafanaDashboardSchemaTests.dashboards()) {
			for (JsonNode panel : GrafanaDashboardSchemaTests.panels(dashboard)) {
				for (JsonNode target : panel.path("targets")) {
					String name = dashboard.path("title").asString() + " / " + panel.path("title").asString() + " / "
							+ target.path("refId").asString();
					String expr = target.path("expr").asString();
					tests.add(DynamicTest.dynamicTest(name, () -> assertReturnsData(name, expr)));
				}
			}
		}
		assertThat(tests).hasSizeGreaterThan(40);
		return tests.stream();
	}

	@Test
	void everyMetricAnAlertReadsExists() throws Exception {
		String rules = Files.readString(Suite.REPO.resolve("infra/prometheus/alerts.yml"));
		Set<String> metrics = new LinkedHashSet<>();
		Matcher selector = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{").matcher(rules);
		while (selector.find()) {
			metrics.add(selector.group(1));
		}
		assertThat(metrics).contains("http_server_requests_seconds_bucket", "blueprint_ratelimit_fallback_active",
				"kafka_consumer_fetch_manager_records_lag_max", "blueprint_chat_gateway_sessions");
		for (String metric : metrics) {
			assertThat(query("count(" + metric + "{job=\"blueprint\"})")).as(metric).isNotEmpty();
		}
	}

	@Test
	void prometheusLoadedEveryAlertAndEvaluatesThemWithoutError() throws Exception {
		List<String> loaded = new ArrayList<>();
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			loaded.clear();
			JsonNode groups = get("/api/v1/rules").path("data").path("groups");
			for (JsonNode group : groups) {
				for (JsonNode rule : group.path("rules")) {
					assertThat(rule.path("health").asString())
						.as(rule.path("name").asString() + ": " + rule.path("lastError").asString())
						.isEqualTo("ok");
					loaded.add(rule.path("name").asString());
				}
			}
		});
		assertThat(loaded).containsExactlyInAnyOrderElementsOf(
				PrometheusRulesTests.alertNames(Files.readString(Suite.REPO.resolve("infra/prometheus/alerts.yml"))));
	}

	private static void assertReturnsData(String name, String expr) {
		String query = expr;
		for (Map.Entry<String, String> variable : GRAFANA_VARIABLES.entrySet()) {
			query = query.replace(variable.getKey(), variable.getValue());
		}
		assertThat(query).as(name + ": a Grafana variable this test does not know").doesNotContain("$");
		String concrete = query;
		// "or on() vector(0)" answers 0 when the series is missing, so a misspelled or
		// renamed metric would pass: the query without it must find the series too (the
		// services register such counters at 0).
		java.util.regex.Matcher fallback = java.util.regex.Pattern
			.compile("\\s+or(\\s+on\\(\\))?\\s+vector\\(0\\)\\s*$")
			.matcher(concrete);
		// (ALERTS has series only while an alert fires: its count is rightly 0 without.)
		if (fallback.find() && !concrete.contains("ALERTS{")) {
			String series = concrete.substring(0, fallback.start());
			await(name).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
				assertThat(query(series)).as(name + ": " + series + " (without its vector(0)) returned no series")
					.isNotEmpty();
			});
		}
		await(name).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
			JsonNode result = query(concrete);
			assertThat(result).as(name + ": " + concrete + " returned no series").isNotEmpty();
			List<Double> values = new ArrayList<>();
			result.forEach((series) -> values.add(value(series)));
			assertThat(values).as(name + ": " + concrete + " has no finite value: " + result)
				.anyMatch(Double::isFinite);
		});
	}

	private static void startPrometheus() throws IOException {
		Path binary = Commands.requireOnPath("prometheus");
		Files.createDirectories(WORK);
		Path config = WORK.resolve("prometheus.yml");
		Files.writeString(config, localConfig(Files.readString(Suite.REPO.resolve("infra/prometheus/prometheus.yml"))));
		Commands.Result check = Commands.run(Duration.ofMinutes(1), WORK, "promtool", "check", "config",
				config.toString());
		assertThat(check.exitCode()).as(check.output()).isZero();
		try (ServerSocket socket = new ServerSocket(0)) {
			prometheusPort = socket.getLocalPort();
		}
		prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + config,
				"--storage.tsdb.path=" + WORK.resolve("data-" + UUID.randomUUID()),
				"--web.listen-address=127.0.0.1:" + prometheusPort, "--log.level=warn")
			.redirectErrorStream(true)
			.redirectOutput(WORK.resolve("prometheus.log").toFile())
			.start();
	}

	/**
	 * The repo's prometheus.yml with every target moved to 127.0.0.1 and this suite's
	 * port, a one-second scrape and evaluation interval, and the rule files by absolute
	 * path.
	 */
	@SuppressWarnings("unchecked")
	static String localConfig(String repoConfig) {
		Map<String, Object> config = new Yaml().load(repoConfig);
		Map<String, Object> global = (Map<String, Object>) config.get("global");
		global.put("scrape_interval", "1s");
		global.put("evaluation_interval", "1s");
		config.put("rule_files",
				((List<String>) config.get("rule_files")).stream()
					.map((file) -> Suite.REPO.resolve("infra/prometheus").resolve(file).toString())
					.toList());
		for (Map<String, Object> job : (List<Map<String, Object>>) config.get("scrape_configs")) {
			for (Map<String, Object> staticConfig : (List<Map<String, Object>>) job.get("static_configs")) {
				staticConfig.put("targets", ((List<String>) staticConfig.get("targets")).stream().map((target) -> {
					int port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
					return "127.0.0.1:" + (port + Suite.PORT_OFFSET);
				}).toList());
			}
		}
		DumperOptions options = new DumperOptions();
		options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
		return new Yaml(options).dump(config);
	}

	private static void driveShortener() throws Exception {
		String base = "http://127.0.0.1:" + Suite.port("url-shortener-service");
		HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/urls"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers
				.ofString("{\"url\":\"https://example.com/obs/" + UUID.randomUUID() + "\"}")));
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		String code = json.readTree(created.body()).path("code").asString();
		for (int i = 0; i < 5; i++) {
			assertThat(send(HttpRequest.newBuilder(URI.create(base + "/" + code)).GET()).statusCode()).isEqualTo(302);
		}
		assertThat(send(HttpRequest.newBuilder(URI.create(base + "/zzzzzzz")).GET()).statusCode()).isEqualTo(404);
		String alias = "obs-" + UUID.randomUUID().toString().substring(0, 8);
		String owner = "Bearer " + SharedSuite.token("alice");
		HttpResponse<String> owned = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/urls"))
			.header("Content-Type", "application/json")
			.header("Authorization", owner)
			.POST(HttpRequest.BodyPublishers
				.ofString("{\"url\":\"https://example.com/owned\",\"alias\":\"" + alias + "\"}")));
		assertThat(owned.statusCode()).as(owned.body()).isEqualTo(201);
		assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/urls/" + alias))
			.header("Authorization", owner)
			.DELETE()).statusCode()).isEqualTo(204);
	}

	private static void driveRateLimiter(String user) throws Exception {
		URI check = URI.create("http://127.0.0.1:" + Suite.port("rate-limiter-service") + "/api/v1/ratelimit/check");
		for (int i = 0; i < 5; i++) {
			HttpResponse<String> decided = send(HttpRequest.newBuilder(check)
				.header("Content-Type", "application/json")
				.header("Authorization", "Bearer " + SharedSuite.token(user))
				.POST(HttpRequest.BodyPublishers.ofString("{\"rule\":\"default\",\"subject\":\"user:" + user + "\"}")));
			assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);
		}
	}

	private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
		return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * An instant query's result: a list of series, each with its labels and one value.
	 */
	static JsonNode query(String promql) throws Exception {
		JsonNode answer = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
		assertThat(answer.path("status").asString()).as(promql + ": " + answer).isEqualTo("success");
		return answer.path("data").path("result");
	}

	/**
	 * Each target that is not up, with Prometheus's reason (e.g. a format it rejects).
	 */
	private static List<String> scrapeErrors() throws Exception {
		List<String> errors = new ArrayList<>();
		for (JsonNode target : get("/api/v1/targets").path("data").path("activeTargets")) {
			if (!"up".equals(target.path("health").asString())) {
				errors.add(target.path("scrapeUrl").asString() + ": " + target.path("lastError").asString());
			}
		}
		return errors;
	}

	private static JsonNode get(String path) throws Exception {
		HttpResponse<String> response = http
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + path))
				.timeout(Duration.ofSeconds(10))
				.build(), HttpResponse.BodyHandlers.ofString());
		return json.readTree(response.body());
	}

	private static double value(JsonNode series) {
		return Double.parseDouble(series.path("value").get(1).asString());
	}

}
