package dev.blueprint.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboards in infra/grafana/dashboards type-check against Grafana's published
 * schema ({@code @grafana/schema}, with {@code tsc}: see infra/grafana/schema-check), and
 * are wired to what provisioning gives Grafana: the dashboards folder and the Prometheus
 * datasource. No Grafana server runs here, so nothing is rendered.
 */
class GrafanaDashboardSchemaTests {

	static final Path GRAFANA = Suite.REPO.resolve("infra/grafana");

	private static final Path SCHEMA_CHECK = GRAFANA.resolve("schema-check");

	private static final ObjectMapper json = new ObjectMapper();

	@Test
	void everyDashboardMatchesGrafanasSchema() throws IOException {
		installSchemaCheck();
		Commands.Result check = Commands.run(Duration.ofMinutes(3), SCHEMA_CHECK, "node", "check-dashboards.mjs",
				GRAFANA.resolve("dashboards").toString());
		assertThat(check.exitCode()).as(check.output()).isZero();
		assertThat(check.output()).contains("4 dashboards match @grafana/schema");
	}

	@Test
	void thereIsAnOverviewAndOneDashboardPerSystemWithUniqueUids() throws IOException {
		assertThat(dashboards().stream().map((dashboard) -> dashboard.path("uid").asString()))
			.containsExactlyInAnyOrder("blueprint-overview", "blueprint-shortener", "blueprint-ratelimit",
					"blueprint-chat");
	}

	@Test
	void everyPanelQueriesTheProvisionedPrometheusDatasource() throws IOException {
		Map<String, Object> datasources = yaml(GRAFANA.resolve("provisioning/datasources/prometheus.yml"));
		@SuppressWarnings("unchecked")
		String uid = (String) ((List<Map<String, Object>>) datasources.get("datasources")).get(0).get("uid");
		for (JsonNode dashboard : dashboards()) {
			for (JsonNode panel : panels(dashboard)) {
				String where = dashboard.path("uid").asString() + " / " + panel.path("title").asString();
				assertThat(panel.path("datasource").path("uid").asString()).as(where).isEqualTo(uid);
				assertThat(panel.path("targets").isEmpty()).as(where + " has queries").isFalse();
				panel.path("targets")
					.forEach((target) -> assertThat(target.path("datasource").path("uid").asString()).as(where)
						.isEqualTo(uid));
			}
		}
	}

	@Test
	void theDashboardsProviderReadsTheFolderComposeMounts() throws IOException {
		Map<String, Object> providers = yaml(GRAFANA.resolve("provisioning/dashboards/blueprint.yml"));
		@SuppressWarnings("unchecked")
		Map<String, Object> provider = ((List<Map<String, Object>>) providers.get("providers")).get(0);
		@SuppressWarnings("unchecked")
		String path = (String) ((Map<String, Object>) provider.get("options")).get("path");
		assertThat(Files.readString(Suite.REPO.resolve("infra/compose.observability.yaml")))
			.contains("- ./grafana/dashboards:" + path + ":ro");
	}

	/**
	 * npm ci once into schema-check/node_modules (ignored by git); later runs need no
	 * network.
	 */
	private static void installSchemaCheck() throws IOException {
		Path installed = SCHEMA_CHECK.resolve("node_modules/.package-lock.json");
		if (Files.exists(installed) && Files.getLastModifiedTime(installed)
			.compareTo(Files.getLastModifiedTime(SCHEMA_CHECK.resolve("package-lock.json"))) >= 0) {
			return;
		}
		Commands.Result install = Commands.run(Duration.ofMinutes(5), SCHEMA_CHECK, "npm", "ci", "--no-audit",
				"--no-fund", "--prefer-offline");
		assertThat(install.exitCode()).as(install.output()).isZero();
	}

	static List<JsonNode> dashboards() throws IOException {
		List<JsonNode> dashboards = new ArrayList<>();
		try (Stream<Path> files = Files.list(GRAFANA.resolve("dashboards"))) {
			for (Path file : files.filter((f) -> f.toString().endsWith(".json")).sorted().toList()) {
				dashboards.add(json.readTree(Files.readString(file)));
			}
		}
		return dashboards;
	}

	/** The dashboard's panels, those inside rows included. */
	static List<JsonNode> panels(JsonNode dashboard) {
		List<JsonNode> panels = new ArrayList<>();
		dashboard.path("panels").forEach((panel) -> {
			if ("row".equals(panel.path("type").asString())) {
				panel.path("panels").forEach(panels::add);
			}
			else {
				panels.add(panel);
			}
		});
		return panels;
	}

	private static Map<String, Object> yaml(Path file) throws IOException {
		return new Yaml().load(Files.readString(file));
	}

}
