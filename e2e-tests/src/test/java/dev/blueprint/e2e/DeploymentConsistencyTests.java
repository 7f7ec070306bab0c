package dev.blueprint.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Docker deployment (infra/compose.yaml, .env, Prometheus) agrees with what the
 * services actually read and serve: every service is there on its DESIGN.md port, every
 * environment variable it is given is one its application.yml reads, it waits for exactly
 * the servers it depends on, and images are pinned. docker compose cannot run on the
 * machines this is built on, so this is the check that can.
 */
class DeploymentConsistencyTests {

	private static final Path INFRA = Suite.REPO.resolve("infra");

	private static final Map<String, Integer> PORTS = Map.of("url-shortener-service", 8081, "rate-limiter-service",
			8082, "chat-gateway", 8083, "chat-message-service", 8084, "presence-service", 8085, "notification-service",
			8086);

	private final Map<String, Object> compose = yaml(INFRA.resolve("compose.yaml"));

	@Test
	void composeRunsTheThreeServersAndEverySixServices() {
		Set<String> expected = new TreeSet<>(PORTS.keySet());
		expected.addAll(List.of("redis", "kafka", "cassandra"));
		assertThat(services().keySet()).containsExactlyInAnyOrderElementsOf(expected);
	}

	@Test
	@SuppressWarnings("unchecked")
	void everyServiceListensOnItsDesignPortAndPublishesIt() {
		PORTS.forEach((name, port) -> {
			Map<String, Object> service = service(name);
			assertThat(environment(service)).as(name).containsEntry("PORT", port.toString());
			assertThat((List<Object>) service.get("ports")).as(name).containsExactly(port + ":" + port);
		});
	}

	@Test
	void everyEnvironmentVariableIsOneTheServiceReads() throws IOException {
		for (String name : PORTS.keySet()) {
			String applicationYml = Files
				.readString(Suite.REPO.resolve(name).resolve("src/main/resources/application.yml"));
			for (String variable : environment(service(name)).keySet()) {
				assertThat(applicationYml).as(name + " reads " + variable).contains("${" + variable + ":");
			}
		}
	}

	@Test
	void everyServiceWaitsForExactlyTheServersItDependsOnToBeHealthy() {
		Suite.SERVICES.forEach((name, dependencies) -> {
			@SuppressWarnings("unchecked")
			Map<String, Map<String, String>> dependsOn = (Map<String, Map<String, String>>) service(name)
				.get("depends_on");
			assertThat(dependsOn.keySet()).as(name).containsExactlyInAnyOrderElementsOf(dependencies);
			dependsOn.values()
				.forEach((condition) -> assertThat(condition).containsEntry("condition", "service_healthy"));
		});
		for (String server : List.of("redis", "kafka", "cassandra")) {
			assertThat(service(server)).as(server).containsKey("healthcheck");
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void servicesAreBuiltFromTheRepoAndRunLockedDown() {
		PORTS.keySet().forEach((name) -> {
			Map<String, Object> service = service(name);
			@SuppressWarnings("unchecked")
			Map<String, Object> build = (Map<String, Object>) service.get("build");
			assertThat(build).containsEntry("dockerfile", "infra/docker/Dockerfile");
			assertThat((Map<Object, Object>) build.get("args")).as(name).containsEntry("SERVICE", name);
			assertThat(service).containsEntry("read_only", true);
			assertThat((List<Object>) service.get("cap_drop")).containsExactly("ALL");
		});
		assertThat(INFRA.resolve("docker/Dockerfile")).content()
			.contains("USER 10001:10001")
			.contains("HEALTHCHECK")
			.contains("extract --layers");
	}

	@Test
	void everyImageIsPinnedInTheEnvFile() throws IOException {
		Map<String, String> env = envFile();
		String composeText = Files.readString(INFRA.resolve("compose.yaml"))
				+ Files.readString(INFRA.resolve("compose.observability.yaml"));
		Matcher images = Pattern.compile("image: \\$\\{([A-Z_]+)}").matcher(composeText);
		int count = 0;
		while (images.find()) {
			count++;
			String image = env.get(images.group(1));
			assertThat(image).as(images.group(1)).isNotNull().matches("[^:]+:v?[0-9][^:]*").doesNotEndWith(":latest");
		}
		assertThat(count).as("third-party images").isEqualTo(5);
		assertThat(env.get("BLUEPRINT_JWT_HMAC_SECRET")).hasSizeGreaterThanOrEqualTo(32);
	}

	@Test
	void prometheusScrapesEveryServiceOnItsPort() {
		Map<String, Object> prometheus = yaml(INFRA.resolve("prometheus/prometheus.yml"));
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> jobs = (List<Map<String, Object>>) prometheus.get("scrape_configs");
		assertThat(jobs).singleElement().satisfies((job) -> {
			assertThat(job).containsEntry("metrics_path", "/actuator/prometheus");
			@SuppressWarnings("unchecked")
			List<Map<String, List<String>>> configs = (List<Map<String, List<String>>>) job.get("static_configs");
			List<String> targets = configs.stream().flatMap((config) -> config.get("targets").stream()).toList();
			assertThat(targets).containsExactlyInAnyOrderElementsOf(
					PORTS.entrySet().stream().map((entry) -> entry.getKey() + ":" + entry.getValue()).toList());
		});
	}

	/**
	 * docker compose stops a service as the kubelet does, without the preStop sleep: not
	 * sooner than the service's grace period less that sleep, which its
	 * {@code ShutdownBudgetTests} check its shutdown fits. Compose's default (10 s)
	 * killed them under their shutdown until 2026-12-07.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void composeGivesEveryServiceTheTimeToStopThatKubernetesDoes() throws IOException {
		for (String name : PORTS.keySet()) {
			Map<String, Object> pod = null;
			for (Object document : new Yaml()
				.loadAll(Files.readString(Suite.REPO.resolve("k8s/base").resolve(name + ".yaml")))) {
				Map<String, Object> object = (Map<String, Object>) document;
				if (object != null && "Deployment".equals(object.get("kind"))) {
					pod = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) object.get("spec"))
						.get("template")).get("spec");
				}
			}
			assertThat(pod).as(name + "'s Deployment").isNotNull();
			Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
			Map<String, Object> preStop = (Map<String, Object>) ((Map<String, Object>) container.get("lifecycle"))
				.get("preStop");
			List<String> sleep = (List<String>) ((Map<String, Object>) preStop.get("exec")).get("command");
			Duration needed = Duration.ofSeconds(((Number) pod.get("terminationGracePeriodSeconds")).longValue())
				.minusSeconds(Long.parseLong(sleep.get(1)));
			Object granted = service(name).get("stop_grace_period");
			assertThat(granted).as(name + "'s stop_grace_period").isNotNull();
			assertThat(Duration.parse("PT" + granted.toString().toUpperCase())).as(name).isGreaterThanOrEqualTo(needed);
		}
	}

	@SuppressWarnings("unchecked")
	private Map<String, Map<String, Object>> services() {
		return (Map<String, Map<String, Object>>) this.compose.get("services");
	}

	private Map<String, Object> service(String name) {
		return services().get(name);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, String> environment(Map<String, Object> service) {
		Map<String, String> environment = new HashMap<>();
		((Map<String, Object>) service.get("environment"))
			.forEach((key, value) -> environment.put(key, String.valueOf(value)));
		return environment;
	}

	private static Map<String, String> envFile() throws IOException {
		Map<String, String> env = new HashMap<>();
		for (String line : Files.readAllLines(INFRA.resolve(".env"))) {
			if (!line.isBlank() && !line.startsWith("#")) {
				int equals = line.indexOf('=');
				env.put(line.substring(0, equals), line.substring(equals + 1));
			}
		}
		return env;
	}

	private static Map<String, Object> yaml(Path file) {
		try {
			return new Yaml().load(Files.readString(file));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
