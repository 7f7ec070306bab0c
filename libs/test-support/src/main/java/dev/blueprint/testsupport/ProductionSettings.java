package dev.blueprint.testsupport;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.yaml.snakeyaml.Yaml;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Settings of the production component
 * ({@code k8s/components/production/application.yaml}, mounted into every service there),
 * read from the checkout: a test of what production depends on runs with them, and fails
 * if they go.
 */
public final class ProductionSettings {

	static final String FILE = "k8s/components/production/application.yaml";

	private ProductionSettings() {
	}

	/**
	 * Sets every property under {@code prefix} (dotted, e.g.
	 * {@code spring.data.redis.lettuce.cluster.refresh}) as production sets it.
	 * @throws IllegalStateException if production sets none
	 */
	public static void addTo(DynamicPropertyRegistry registry, String prefix) {
		Object node = at(prefix);
		if (!(node instanceof Map<?, ?> settings) || settings.isEmpty()) {
			throw new IllegalStateException(FILE + " sets no " + prefix + ".*");
		}
		settings.forEach((key, value) -> registry.add(prefix + "." + key, () -> String.valueOf(value)));
	}

	/**
	 * The value production sets for {@code property} (dotted, as in the YAML's nesting).
	 * @throws IllegalStateException if production does not set it
	 */
	public static String get(String property) {
		Object node = at(property);
		if (node == null || node instanceof Map<?, ?>) {
			throw new IllegalStateException(FILE + " sets no " + property);
		}
		return String.valueOf(node);
	}

	private static Object at(String dotted) {
		Path file = TestInfrastructure.repoDir().resolve(FILE);
		Object node;
		try (Reader reader = Files.newBufferedReader(file)) {
			node = new Yaml().load(reader);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		for (String key : dotted.split("\\.")) {
			node = (node instanceof Map<?, ?> map) ? map.get(key) : null;
		}
		return node;
	}

}
