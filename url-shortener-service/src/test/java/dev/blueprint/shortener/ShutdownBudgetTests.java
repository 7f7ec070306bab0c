package dev.blueprint.shortener;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.blueprint.shortener.clicks.ClickCounter;
import dev.blueprint.shortener.clicks.RedisClickBuffer;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shutdown on Kubernetes ends before the pod's grace period, or the kubelet kills the
 * JVM under a click rollup or the last flush. What it may wait for, one after the other:
 * the preStop hook (endpoints drop the pod), the web server's graceful shutdown (at most
 * {@code spring.lifecycle.timeout-per-shutdown-phase}), Tomcat's stop (its request
 * threads, when the drain timed out), a rollup's chunk being written
 * ({@link RedisClickBuffer#CLOSE_WAIT}), the last click flush
 * ({@link ClickCounter#FLUSH_LIMIT}), the Cassandra session's close (it waits for
 * requests in flight, the flush's and the rollup's left behind by their limits: at most
 * {@code spring.cassandra.request.timeout}), then the Redis clients' shutdowns and the
 * exit. Until 2026-12-07 they added up to 80 s of the 45 s granted.
 */
class ShutdownBudgetTests {

	private static final Path MANIFEST = Path.of("../k8s/base/url-shortener-service.yaml");

	/** Tomcat's wait for its request threads when it stops. */
	private static final Duration TOMCAT_STOP = Duration.ofSeconds(5);

	/** The Redis clients' shutdowns and the JVM's exit. */
	private static final Duration EXIT = Duration.ofSeconds(3);

	private static final Pattern PLACEHOLDER = Pattern.compile("^\\$\\{([^:}]+):(.*)}$");

	@Test
	void aShutdownEndsWithinThePodsGracePeriod() throws IOException {
		Map<String, Object> pod = object("Deployment", "spec", "template", "spec");
		Duration grace = Duration.ofSeconds(((Number) pod.get("terminationGracePeriodSeconds")).longValue());
		Map<String, Object> environment = object("ConfigMap", "data");
		assertThat(Files.readString(MANIFEST)).as("the drain set only through the ConfigMap, read here")
			.doesNotContain("SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE");
		Duration budget = preStopSleep(pod).plus(setting("spring.lifecycle.timeout-per-shutdown-phase", environment))
			.plus(TOMCAT_STOP)
			.plus(RedisClickBuffer.CLOSE_WAIT)
			.plus(ClickCounter.FLUSH_LIMIT)
			.plus(setting("spring.cassandra.request.timeout", environment))
			.plus(EXIT);
		assertThat(budget).as("preStop + drain + Tomcat's stop + rollup chunk + last flush + Cassandra's close + exit")
			.isLessThanOrEqualTo(grace);
	}

	/** The manifest's object of this kind, down this path of fields. */
	@SuppressWarnings("unchecked")
	private static Map<String, Object> object(String kind, String... path) throws IOException {
		try (InputStream in = Files.newInputStream(MANIFEST)) {
			for (Object document : new Yaml().loadAll(in)) {
				Map<String, Object> object = (Map<String, Object>) document;
				if (object != null && kind.equals(object.get("kind"))) {
					for (String field : path) {
						object = (Map<String, Object>) object.get(field);
					}
					return object;
				}
			}
		}
		throw new AssertionError("no " + kind + " in " + MANIFEST);
	}

	@SuppressWarnings("unchecked")
	private static Duration preStopSleep(Map<String, Object> pod) {
		List<Map<String, Object>> containers = (List<Map<String, Object>>) pod.get("containers");
		Map<String, Object> lifecycle = (Map<String, Object>) containers.get(0).get("lifecycle");
		Map<String, Object> preStop = (Map<String, Object>) lifecycle.get("preStop");
		List<String> command = (List<String>) ((Map<String, Object>) preStop.get("exec")).get("command");
		assertThat(command).hasSize(2).first().isEqualTo("sleep");
		return Duration.ofSeconds(Long.parseLong(command.get(1)));
	}

	/**
	 * A duration of application.yml as Kubernetes runs it: the environment variable from
	 * the ConfigMap, else the default.
	 */
	private static Duration setting(String name, Map<String, Object> environment) {
		YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
		yaml.setResources(new ClassPathResource("application.yml"));
		Properties properties = yaml.getObject();
		String value = properties.getProperty(name);
		assertThat(value).as(name + " set, not left to its default").isNotNull();
		Matcher placeholder = PLACEHOLDER.matcher(value);
		if (placeholder.matches()) {
			Object set = environment.get(placeholder.group(1));
			value = (set != null) ? set.toString() : placeholder.group(2);
		}
		return DurationStyle.detectAndParse(value);
	}

}
