package dev.blueprint.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * The objects a k8s/ overlay renders to, as {@code kubectl kustomize} (or a standalone
 * {@code kustomize build}) renders them, each read strictly into its typed fabric8 model
 * class: an unknown field, a string where the API wants a number (or the reverse) or a
 * kind or apiVersion the suite does not use fails the read, as the API server would
 * reject the object.
 */
final class KubernetesManifests {

	static final Path K8S = Suite.REPO.resolve("k8s");

	/** The kinds (with their apiVersions, from the model classes) k8s/ may use. */
	private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of("Namespace", Namespace.class,
			"ConfigMap", ConfigMap.class, "Secret", Secret.class, "Service", Service.class, "Deployment",
			Deployment.class, "StatefulSet", StatefulSet.class, "PodDisruptionBudget", PodDisruptionBudget.class,
			"HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);

	/**
	 * fabric8's classes collect unknown fields in an "additionalProperties" any-setter;
	 * without it, and with coercion off, Jackson fails on what Kubernetes would reject.
	 */
	private static final JsonMapper STRICT = JsonMapper.builder()
		.annotationIntrospector(new JacksonAnnotationIntrospector() {

			@Override
			public Boolean hasAnySetter(MapperConfig<?> config, Annotated annotated) {
				return Boolean.FALSE;
			}

		})
		.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
		.withCoercionConfig(LogicalType.Textual,
				(config) -> config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
					.setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
					.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
		.withCoercionConfig(LogicalType.Integer,
				(config) -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
					.setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
		.withCoercionConfig(LogicalType.Boolean,
				(config) -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
					.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
		.build();

	private static final Map<Path, List<HasMetadata>> rendered = new ConcurrentHashMap<>();

	private KubernetesManifests() {
	}

	/** The objects {@code k8s/<kustomization>} renders to, rendered once per JVM. */
	static List<HasMetadata> render(String kustomization) {
		return rendered.computeIfAbsent(K8S.resolve(kustomization), (dir) -> read(kustomize(dir)));
	}

	/** Reads rendered YAML strictly into typed objects. */
	static List<HasMetadata> read(String yaml) {
		List<HasMetadata> objects = new ArrayList<>();
		for (Object document : new Yaml().loadAll(yaml)) {
			if (document == null) {
				continue;
			}
			@SuppressWarnings("unchecked")
			Map<String, Object> object = (Map<String, Object>) document;
			Class<? extends HasMetadata> type = KINDS.get(String.valueOf(object.get("kind")));
			if (type == null) {
				throw new AssertionError("k8s/ uses no kind " + object.get("kind") + " (known: " + KINDS.keySet()
						+ "): " + object.get("metadata"));
			}
			String apiVersion = HasMetadata.getApiVersion(type);
			if (!apiVersion.equals(object.get("apiVersion"))) {
				throw new AssertionError(object.get("kind") + " " + object.get("metadata") + " has apiVersion "
						+ object.get("apiVersion") + ", expected " + apiVersion);
			}
			try {
				objects.add(STRICT.convertValue(object, type));
			}
			catch (RuntimeException ex) {
				throw new AssertionError(
						"Not a valid " + object.get("kind") + ": " + object.get("metadata") + ": " + ex.getMessage(),
						ex);
			}
		}
		return objects;
	}

	static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
		return objects.stream().filter(type::isInstance).map(type::cast).toList();
	}

	static <T extends HasMetadata> Optional<T> find(List<HasMetadata> objects, Class<T> type, String name) {
		return all(objects, type).stream().filter((object) -> object.getMetadata().getName().equals(name)).findFirst();
	}

	static <T extends HasMetadata> T get(List<HasMetadata> objects, Class<T> type, String name) {
		return find(objects, type, name)
			.orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " in the rendering"));
	}

	/**
	 * Renders with {@code kubectl kustomize}, or a standalone {@code kustomize build}
	 * where kubectl is missing; neither on the PATH is a failure, not a skip.
	 */
	private static String kustomize(Path dir) {
		List<List<String>> commands = List.of(List.of("kubectl", "kustomize", dir.toString()),
				List.of("kustomize", "build", dir.toString()));
		for (List<String> command : commands) {
			if (onPath(command.get(0))) {
				return run(command);
			}
		}
		throw new AssertionError("Neither kubectl nor kustomize is on the PATH (" + System.getenv("PATH")
				+ "): k8s/ cannot be rendered and checked. Install kubectl (it includes kustomize).");
	}

	private static boolean onPath(String executable) {
		String path = System.getenv("PATH");
		if (path == null) {
			return false;
		}
		for (String dir : path.split(File.pathSeparator)) {
			if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, executable))) {
				return true;
			}
		}
		return false;
	}

	private static String run(List<String> command) {
		try {
			Path errors = Files.createTempFile("kustomize", ".err");
			try {
				Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
				process.getOutputStream().close();
				byte[] output = process.getInputStream().readAllBytes();
				if (!process.waitFor(2, TimeUnit.MINUTES)) {
					process.destroyForcibly();
					throw new AssertionError(String.join(" ", command) + " did not finish in 2 minutes");
				}
				if (process.exitValue() != 0) {
					throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n"
							+ Files.readString(errors));
				}
				return new String(output, StandardCharsets.UTF_8);
			}
			finally {
				Files.deleteIfExists(errors);
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

}
