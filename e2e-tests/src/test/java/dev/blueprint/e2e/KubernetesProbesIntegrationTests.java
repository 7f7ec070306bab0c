package dev.blueprint.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every HTTP probe path the Kubernetes manifests give a service answers 200 on that
 * service, running in the shared suite: what kubelet would ask, asked of the real thing.
 */
@ExtendWith(SharedSuite.class)
class KubernetesProbesIntegrationTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Test
	void everyProbePathInTheProductionOverlayAnswers200() throws Exception {
		List<HasMetadata> objects = KubernetesManifests.render("overlays/production");
		for (String name : Suite.SERVICE_PORTS.keySet()) {
			Container container = KubernetesManifests.get(objects, Deployment.class, name)
				.getSpec()
				.getTemplate()
				.getSpec()
				.getContainers()
				.get(0);
			List<Probe> probes = new ArrayList<>(
					List.of(container.getStartupProbe(), container.getLivenessProbe(), container.getReadinessProbe()));
			assertThat(probes).as(name).doesNotContainNull();
			for (Probe probe : probes) {
				String path = probe.getHttpGet().getPath();
				HttpResponse<String> response = this.http
					.send(HttpRequest.newBuilder(URI.create("http://localhost:" + Suite.port(name) + path))
						.timeout(Duration.ofSeconds(10))
						.build(), HttpResponse.BodyHandlers.ofString());
				assertThat(response.statusCode()).as(name + " " + path + ": " + response.body()).isEqualTo(200);
			}
		}
	}

}
