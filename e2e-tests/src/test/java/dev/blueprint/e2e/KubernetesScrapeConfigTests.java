package dev.blueprint.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * k8s/monitoring/prometheus.yml labels every service's pods as the alerts and dashboards
 * select them: each Deployment of k8s/base, as Kubernetes service discovery would
 * describe its pod, is run through the job's relabelings here and must come out with the
 * compose stack's labels (infra/prometheus/prometheus.yml: job, service, system) and the
 * port and path of its annotations. Debian's promtool is built without Kubernetes service
 * discovery, so it cannot check this file; the relabel actions it uses (keep, replace)
 * are applied as Prometheus does: fully anchored regular expressions over the source
 * labels joined with {@code ;}.
 */
class KubernetesScrapeConfigTests {

	private static final Path BASE = Suite.REPO.resolve("k8s/base");

	@Test
	void everyServicesPodsAreScrapedWithTheLabelsTheAlertsSelectOn() throws IOException {
		Map<String, Object> job = blueprintJob(yaml(Suite.REPO.resolve("k8s/monitoring/prometheus.yml")));
		Map<String, Map<String, String>> compose = composeLabels();
		assertThat(compose).hasSize(6);
		for (Map.Entry<String, Map<String, String>> service : compose.entrySet()) {
			Map<String, Object> pod = podTemplate(service.getKey());
			Map<String, String> target = relabel(job, discovered(service.getKey(), pod));
			assertThat(target).as(service.getKey() + " is scraped").isNotNull();
			assertThat(target).as(service.getKey())
				.containsEntry("job", "blueprint")
				.containsEntry("service", service.getValue().get("service"))
				.containsEntry("system", service.getValue().get("system"))
				.containsEntry("instance", service.getKey() + "-pod-0")
				.containsEntry("__metrics_path__", "/actuator/prometheus")
				.containsEntry("__address__", "10.0.0.7:" + service.getValue().get("port"));
		}
		Map<String, String> other = relabel(job,
				Map.of("__address__", "10.0.0.9:9090", "__meta_kubernetes_pod_annotation_prometheus_io_scrape", "true",
						"__meta_kubernetes_pod_label_app_kubernetes_io_name", "redis"));
		assertThat(other).as("a pod of another app").isNull();
	}

	/** What Kubernetes pod discovery gives for a pod of {@code service}'s Deployment. */
	@SuppressWarnings("unchecked")
	private static Map<String, String> discovered(String service, Map<String, Object> pod) {
		Map<String, Object> metadata = (Map<String, Object>) pod.get("metadata");
		Map<String, String> labels = new HashMap<>();
		labels.put("__address__", "10.0.0.7");
		labels.put("__metrics_path__", "/metrics");
		labels.put("__meta_kubernetes_pod_name", service + "-pod-0");
		labels.put("__meta_kubernetes_namespace", "blueprint");
		((Map<String, Object>) metadata.getOrDefault("labels", Map.of())).forEach(
				(name, value) -> labels.put("__meta_kubernetes_pod_label_" + sanitized(name), String.valueOf(value)));
		((Map<String, Object>) metadata.getOrDefault("annotations", Map.of())).forEach((name, value) -> labels
			.put("__meta_kubernetes_pod_annotation_" + sanitized(name), String.valueOf(value)));
		return labels;
	}

	private static String sanitized(String name) {
		return name.replaceAll("[^a-zA-Z0-9_]", "_");
	}

	/** The target's labels after the job's relabelings, or null when it is dropped. */
	@SuppressWarnings("unchecked")
	private static Map<String, String> relabel(Map<String, Object> job, Map<String, String> discovered) {
		Map<String, String> labels = new LinkedHashMap<>(discovered);
		labels.put("job", (String) job.get("job_name"));
		for (Map<String, Object> rule : (List<Map<String, Object>>) job.get("relabel_configs")) {
			String value = String.join(";",
					((List<String>) rule.get("source_labels")).stream()
						.map((name) -> labels.getOrDefault(name, ""))
						.toList());
			Matcher matcher = Pattern.compile((String) rule.getOrDefault("regex", "(.*)")).matcher(value);
			String action = (String) rule.getOrDefault("action", "replace");
			if (action.equals("keep")) {
				if (!matcher.matches()) {
					return null;
				}
			}
			else if (action.equals("replace")) {
				if (matcher.matches()) {
					String replacement = (String) rule.getOrDefault("replacement", "$1");
					labels.put((String) rule.get("target_label"), matcher.replaceFirst(replacement));
				}
			}
			else {
				throw new IllegalStateException("relabel action not simulated here: " + action);
			}
		}
		labels.keySet().removeIf((name) -> name.startsWith("__meta_"));
		return labels;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> blueprintJob(Map<String, Object> config) {
		return ((List<Map<String, Object>>) config.get("scrape_configs")).stream()
			.filter((job) -> "blueprint".equals(job.get("job_name")))
			.findFirst()
			.orElseThrow();
	}

	/** Per service: its labels and port in the compose stack's Prometheus. */
	@SuppressWarnings("unchecked")
	private static Map<String, Map<String, String>> composeLabels() throws IOException {
		Map<String, Map<String, String>> services = new LinkedHashMap<>();
		Map<String, Object> job = blueprintJob(yaml(Suite.REPO.resolve("infra/prometheus/prometheus.yml")));
		for (Map<String, Object> group : (List<Map<String, Object>>) job.get("static_configs")) {
			String target = ((List<String>) group.get("targets")).get(0);
			Map<String, String> labels = new HashMap<>((Map<String, String>) group.get("labels"));
			labels.put("port", target.substring(target.indexOf(':') + 1));
			services.put(target.substring(0, target.indexOf(':')), labels);
		}
		return services;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> podTemplate(String service) throws IOException {
		for (Object document : new Yaml().loadAll(Files.readString(BASE.resolve(service + ".yaml")))) {
			Map<String, Object> object = (Map<String, Object>) document;
			if (object != null && "Deployment".equals(object.get("kind"))) {
				return (Map<String, Object>) ((Map<String, Object>) object.get("spec")).get("template");
			}
		}
		throw new IllegalStateException("no Deployment in k8s/base/" + service + ".yaml");
	}

	private static Map<String, Object> yaml(Path file) throws IOException {
		return new Yaml().load(Files.readString(file));
	}

}
