package dev.blueprint.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.yaml.snakeyaml.Yaml;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.io.ClassPathResource;

/**
 * What a service's shutdown on Kubernetes may wait for, one wait after the other, against
 * its pod's grace period: past it the kubelet kills the JVM under whatever was still
 * finishing. Read from the service's base manifest ({@code k8s/base/SERVICE.yaml}: the
 * grace period, the preStop sleep, the ConfigMap's environment) and its
 * {@code application.yml} on the test class path, so a test fails when a change to either
 * stops them adding up.
 * <p>
 * Spring stops its lifecycle beans in phases, highest first, and waits for each phase's
 * asynchronous stops at most {@code spring.lifecycle.timeout-per-shutdown-phase}
 * ({@link #phase}); then the beans' destroy methods run, without an overall bound (each
 * {@link #step} names its own).
 */
public final class ShutdownBudget {

	/** Tomcat's wait for its request threads when it stops (after the drain). */
	public static final Duration TOMCAT_STOP = Duration.ofSeconds(5);

	/** The Redis clients' shutdowns and the JVM's exit (an estimate, not measured). */
	public static final Duration EXIT = Duration.ofSeconds(3);

	/**
	 * The platform starter's Kafka health check closing its admin client: a check in
	 * progress (its 2 s timeout), then the client's close (the same 2 s).
	 */
	public static final Duration KAFKA_HEALTH_CLOSE = Duration.ofSeconds(4);

	/**
	 * A Lettuce client's own {@code shutdown()}: it waits up to 2 s for its connections
	 * to close (the rate-limit clients' stores).
	 */
	public static final Duration REDIS_CLIENT_SHUTDOWN = Duration.ofSeconds(2);

	/** The setting each {@link #phase} waits at most. */
	public static final String PHASE_TIMEOUT = "spring.lifecycle.timeout-per-shutdown-phase";

	private static final Pattern PLACEHOLDER = Pattern.compile("^\\$\\{([^:}]+):(.*)}$");

	private final Path manifest;

	private final Map<String, Object> pod;

	private final Map<String, Object> environment;

	private final Properties application;

	private final Map<String, Duration> steps = new LinkedHashMap<>();

	private ShutdownBudget(Path manifest) {
		this.manifest = manifest;
		this.pod = object(manifest, "Deployment", "spec", "template", "spec");
		this.environment = object(manifest, "ConfigMap", "data");
		YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
		yaml.setResources(new ClassPathResource("application.yml"));
		this.application = yaml.getObject();
		step("preStop hook (endpoints drop the pod)", preStopSleep());
	}

	/**
	 * The budget of {@code service}, whose module is run from its own folder (as Maven
	 * does): its manifest is {@code ../k8s/base/SERVICE.yaml}.
	 */
	public static ShutdownBudget of(String service) {
		return new ShutdownBudget(Path.of("..", "k8s", "base", service + ".yaml"));
	}

	/** A lifecycle phase whose stop may take the whole phase timeout. */
	public ShutdownBudget phase(String what) {
		return step(what + " (a lifecycle phase)", setting(PHASE_TIMEOUT));
	}

	/** A wait of its own, bounded by {@code most}. */
	public ShutdownBudget step(String what, Duration most) {
		this.steps.merge(what, most, Duration::plus);
		return this;
	}

	/**
	 * A duration of application.yml as Kubernetes runs it: the environment variable from
	 * the ConfigMap, else the default. A number without a unit is milliseconds (as
	 * Kafka's {@code *.ms} properties).
	 */
	public Duration setting(String name) {
		String value = this.application.getProperty(name);
		if (value == null) {
			throw new AssertionError(name + " is not set in application.yml: its default is not the budget's");
		}
		Matcher placeholder = PLACEHOLDER.matcher(value);
		if (placeholder.matches()) {
			Object set = this.environment.get(placeholder.group(1));
			value = (set != null) ? set.toString() : placeholder.group(2);
		}
		return DurationStyle.detectAndParse(value);
	}

	/** The waits, one after the other. */
	public Duration total() {
		return this.steps.values().stream().reduce(Duration.ZERO, Duration::plus);
	}

	/** The pod's {@code terminationGracePeriodSeconds}. */
	public Duration gracePeriod() {
		Object seconds = this.pod.get("terminationGracePeriodSeconds");
		if (!(seconds instanceof Number number)) {
			throw new AssertionError("no terminationGracePeriodSeconds in " + this.manifest + " (the default is 30 s)");
		}
		return Duration.ofSeconds(number.longValue());
	}

	/**
	 * Fails unless the waits fit the grace period, and unless the phase timeout is set
	 * only where this reads it (the ConfigMap, not the Deployment's environment).
	 */
	public void assertFitsTheGracePeriod() {
		String text;
		try {
			text = Files.readString(this.manifest);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		if (text.contains("SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE")) {
			throw new AssertionError(this.manifest + " sets the phase timeout where this does not read it");
		}
		if (total().compareTo(gracePeriod()) > 0) {
			throw new AssertionError("A shutdown may wait " + total().toSeconds() + " s, past the grace period of "
					+ gracePeriod().toSeconds() + " s in " + this.manifest + ":\n" + this);
		}
	}

	@Override
	public String toString() {
		return this.steps.entrySet()
			.stream()
			.map((step) -> "  " + step.getValue().toMillis() / 1000.0 + " s  " + step.getKey())
			.collect(Collectors.joining("\n"));
	}

	@SuppressWarnings("unchecked")
	private Duration preStopSleep() {
		List<Map<String, Object>> containers = (List<Map<String, Object>>) this.pod.get("containers");
		Map<String, Object> lifecycle = (Map<String, Object>) containers.get(0).get("lifecycle");
		if (lifecycle == null || lifecycle.get("preStop") == null) {
			return Duration.ZERO;
		}
		Map<String, Object> preStop = (Map<String, Object>) lifecycle.get("preStop");
		List<String> command = (List<String>) ((Map<String, Object>) preStop.get("exec")).get("command");
		if (command.size() != 2 || !"sleep".equals(command.get(0))) {
			throw new AssertionError("a preStop hook other than a sleep: " + command);
		}
		return Duration.ofSeconds(Long.parseLong(command.get(1)));
	}

	/** The manifest's object of this kind, down this path of fields. */
	@SuppressWarnings("unchecked")
	private static Map<String, Object> object(Path manifest, String kind, String... path) {
		try (InputStream in = Files.newInputStream(manifest)) {
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
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		throw new AssertionError("no " + kind + " in " + manifest);
	}

}
