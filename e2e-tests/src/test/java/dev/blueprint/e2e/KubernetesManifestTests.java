package dev.blueprint.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

import static dev.blueprint.e2e.KubernetesManifests.all;
import static dev.blueprint.e2e.KubernetesManifests.find;
import static dev.blueprint.e2e.KubernetesManifests.get;
import static dev.blueprint.e2e.KubernetesManifests.render;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The Kubernetes deployment (k8s/) renders, is made of valid objects, and agrees with
 * what the services read and serve and with the compose deployment: DESIGN.md ports, the
 * images compose builds, only environment variables each application.yml reads, probes on
 * the Actuator groups each service enables, the endpoints of exactly the servers it
 * depends on, locked-down pods. No cluster is needed: each overlay is rendered with
 * {@code kubectl kustomize} and read strictly into fabric8's typed model
 * ({@link KubernetesManifests}).
 */
class KubernetesManifestTests {

	private static final Map<String, Integer> PORTS = Suite.SERVICE_PORTS;

	private static final Set<String> AUTOSCALED = Set.of("chat-gateway", "url-shortener-service");

	/** Secrets the production overlay expects to exist: created out of band. */
	private static final Set<String> PRODUCTION_SECRETS = Set.of("blueprint-jwt", "blueprint-shortener",
			"blueprint-cassandra");

	private static final Map<String, List<String>> ENDPOINT_VARIABLES = Map.of("redis",
			List.of("REDIS_HOST", "REDIS_PORT"), "kafka", List.of("KAFKA_BOOTSTRAP_SERVERS"), "cassandra",
			List.of("CASSANDRA_CONTACT_POINTS", "CASSANDRA_DATACENTER"));

	@ParameterizedTest
	@ValueSource(strings = { "overlays/dev", "overlays/production" })
	void everyServiceHasItsConfigMapDeploymentServiceAndDisruptionBudgetAndTheFrontDoorsAutoscale(String overlay) {
		List<HasMetadata> objects = render(overlay);
		for (String name : PORTS.keySet()) {
			get(objects, ConfigMap.class, name);
			get(objects, Service.class, name);
			Deployment deployment = get(objects, Deployment.class, name);
			Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
			assertThat(podLabels).as(name).containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
			assertThat(podLabels).as(name)
				.containsAllEntriesOf(
						get(objects, PodDisruptionBudget.class, name).getSpec().getSelector().getMatchLabels());
			assertThat(podLabels).as(name)
				.containsAllEntriesOf(get(objects, Service.class, name).getSpec().getSelector());
			assertThat(get(objects, PodDisruptionBudget.class, name).getSpec().getMaxUnavailable()).as(name)
				.isNotNull();
			if (AUTOSCALED.contains(name)) {
				assertThat(deployment.getSpec().getReplicas()).as(name + " replicas: the autoscaler's").isNull();
			}
			else {
				assertThat(deployment.getSpec().getReplicas()).as(name + " replicas").isPositive();
			}
		}
		List<HorizontalPodAutoscaler> autoscalers = all(objects, HorizontalPodAutoscaler.class);
		assertThat(autoscalers).extracting((hpa) -> hpa.getMetadata().getName())
			.containsExactlyInAnyOrderElementsOf(AUTOSCALED);
		for (HorizontalPodAutoscaler hpa : autoscalers) {
			assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
			assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(hpa.getMetadata().getName());
			assertThat(hpa.getSpec().getMinReplicas()).isPositive().isLessThanOrEqualTo(hpa.getSpec().getMaxReplicas());
			assertThat(hpa.getSpec().getMetrics()).anySatisfy((metric) -> {
				assertThat(metric.getResource().getName()).isEqualTo("cpu");
				assertThat(metric.getResource().getTarget().getAverageUtilization()).isBetween(1, 100);
			});
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "overlays/dev", "overlays/production" })
	void everyServiceRunsTheImageComposeBuildsOnItsDesignPort(String overlay) throws IOException {
		List<HasMetadata> objects = render(overlay);
		String version = envFile().get("BLUEPRINT_VERSION");
		PORTS.forEach((name, port) -> {
			Container container = container(get(objects, Deployment.class, name));
			assertThat(container.getImage()).as(name).isEqualTo("blueprint/" + name + ":" + version);
			assertThat(container.getPorts()).as(name).singleElement().satisfies((containerPort) -> {
				assertThat(containerPort.getName()).isEqualTo("http");
				assertThat(containerPort.getContainerPort()).isEqualTo(port);
			});
			assertThat(get(objects, ConfigMap.class, name).getData()).as(name).containsEntry("PORT", port.toString());
			ServicePort servicePort = get(objects, Service.class, name).getSpec().getPorts().get(0);
			assertThat(servicePort.getPort()).as(name).isEqualTo(port);
			assertThat(servicePort.getTargetPort().getStrVal()).as(name).isEqualTo("http");
		});
		assertThat(composeImages()).as("compose's service images")
			.containsExactlyInAnyOrderElementsOf(
					PORTS.keySet().stream().map((name) -> "blueprint/" + name + ":${BLUEPRINT_VERSION}").toList());
	}

	@ParameterizedTest
	@ValueSource(strings = { "overlays/dev", "overlays/production" })
	void probesUseTheActuatorLivenessAndReadinessGroupsEachServiceEnables(String overlay) {
		List<HasMetadata> objects = render(overlay);
		for (String name : PORTS.keySet()) {
			Container container = container(get(objects, Deployment.class, name));
			assertHttpProbe(name + " liveness", container.getLivenessProbe(), "/actuator/health/liveness");
			assertHttpProbe(name + " startup", container.getStartupProbe(), "/actuator/health/liveness");
			assertHttpProbe(name + " readiness", container.getReadinessProbe(), "/actuator/health/readiness");
			Map<String, Object> health = at(applicationYml(name), "management", "endpoint", "health");
			assertThat(at(health, "probes")).as(name + " probes").containsEntry("enabled", true);
			assertThat(at(health, "group")).as(name + " health groups").containsKeys("liveness", "readiness");
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "overlays/dev", "overlays/production" })
	void everyEnvironmentVariableIsOneTheServiceReads(String overlay) throws IOException {
		List<HasMetadata> objects = render(overlay);
		for (String name : PORTS.keySet()) {
			String applicationYml = Files
				.readString(Suite.REPO.resolve(name).resolve("src/main/resources/application.yml"));
			Set<String> variables = environment(objects, get(objects, Deployment.class, name)).keySet();
			assertThat(variables).as(name).isNotEmpty();
			for (String variable : variables) {
				assertThat(applicationYml).as(name + " reads " + variable).contains("${" + variable + ":");
			}
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "overlays/dev", "overlays/production" })
	void everyServiceIsGivenTheEndpointsOfExactlyTheServersItDependsOn(String overlay) {
		List<HasMetadata> objects = render(overlay);
		boolean production = overlay.endsWith("production");
		Suite.SERVICES.forEach((name, dependencies) -> {
			Deployment deployment = get(objects, Deployment.class, name);
			Map<String, String> environment = environment(objects, deployment);
			ENDPOINT_VARIABLES.forEach((server, variables) -> {
				boolean redisCluster = production && server.equals("redis");
				boolean given = dependencies.contains(server) && !redisCluster;
				for (String variable : variables) {
					assertThat(environment.containsKey(variable)).as(name + " is given " + variable).isEqualTo(given);
				}
			});
			if (production) {
				assertThat(environment.values()).as(name + ": no in-cluster dev server names")
					.noneMatch((value) -> value.matches("(redis|kafka|cassandra)(:\\d+)?"));
				assertThat(mountedApplicationYaml(objects, deployment)).as(name)
					.satisfies((config) -> assertThat(at(config, "spring", "data", "redis", "cluster"))
						.extractingByKey("nodes")
						.asString()
						.matches("[a-z0-9.-]+:\\d+(,[a-z0-9.-]+:\\d+)*"));
				// the clients follow failovers and replaced nodes (ListeningGateways asks
				// every node Lettuce knows)
				assertThat(at(mountedApplicationYaml(objects, deployment), "spring", "data", "redis", "lettuce",
						"cluster", "refresh"))
					.as(name)
					.containsEntry("adaptive", true)
					.containsEntry("period", "30s");
			}
			else {
				if (dependencies.contains("redis")) {
					assertServiceExists(objects, environment.get("REDIS_HOST") + ":" + environment.get("REDIS_PORT"));
				}
				if (dependencies.contains("kafka")) {
					assertServiceExists(objects, environment.get("KAFKA_BOOTSTRAP_SERVERS"));
				}
				if (dependencies.contains("cassandra")) {
					assertServiceExists(objects, environment.get("CASSANDRA_CONTACT_POINTS"));
				}
			}
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "overlays/dev", "overlays/production" })
	void everyPodIsLockedDownAndBounded(String overlay) {
		List<HasMetadata> objects = render(overlay);
		Map<String, PodTemplateSpec> pods = new LinkedHashMap<>();
		all(objects, Deployment.class).forEach((d) -> pods.put(d.getMetadata().getName(), d.getSpec().getTemplate()));
		all(objects, StatefulSet.class).forEach((s) -> pods.put(s.getMetadata().getName(), s.getSpec().getTemplate()));
		assertThat(pods).containsKeys(PORTS.keySet().toArray(String[]::new));
		pods.forEach((name, template) -> {
			PodSpec pod = template.getSpec();
			PodSecurityContext podSecurity = pod.getSecurityContext();
			assertThat(podSecurity.getRunAsNonRoot()).as(name + " runAsNonRoot").isTrue();
			assertThat(podSecurity.getRunAsUser()).as(name + " runAsUser").isPositive();
			assertThat(podSecurity.getSeccompProfile().getType()).as(name + " seccomp").isEqualTo("RuntimeDefault");
			assertThat(pod.getHostNetwork()).as(name).isNotEqualTo(Boolean.TRUE);
			assertThat(pod.getHostPID()).as(name).isNotEqualTo(Boolean.TRUE);
			assertThat(pod.getVolumes()).as(name).allSatisfy((volume) -> assertThat(volume.getHostPath()).isNull());
			assertThat(pod.getAutomountServiceAccountToken()).as(name + " automountServiceAccountToken").isFalse();
			assertThat(pod.getEnableServiceLinks()).as(name + " enableServiceLinks").isFalse();
			for (Container container : pod.getContainers()) {
				SecurityContext security = container.getSecurityContext();
				assertThat(security.getAllowPrivilegeEscalation()).as(name + " allowPrivilegeEscalation").isFalse();
				assertThat(security.getPrivileged()).as(name).isNotEqualTo(Boolean.TRUE);
				assertThat(security.getCapabilities().getDrop()).as(name + " drops").containsExactly("ALL");
				assertThat(security.getCapabilities().getAdd()).as(name + " adds").isNullOrEmpty();
				Map<String, Quantity> requests = container.getResources().getRequests();
				Map<String, Quantity> limits = container.getResources().getLimits();
				for (String resource : List.of("cpu", "memory")) {
					assertThat(requests).as(name + " requests").containsKey(resource);
					assertThat(limits).as(name + " limits").containsKey(resource);
					assertThat(Quantity.getAmountInBytes(requests.get(resource)))
						.as(name + " " + resource + " request <= limit")
						.isLessThanOrEqualTo(Quantity.getAmountInBytes(limits.get(resource)));
				}
			}
		});
		for (String name : PORTS.keySet()) {
			PodSpec pod = pods.get(name).getSpec();
			Container container = pod.getContainers().get(0);
			assertThat(pod.getSecurityContext().getRunAsUser()).as(name + " runs as the image's user").isEqualTo(10001);
			assertThat(container.getSecurityContext().getRunAsNonRoot()).as(name).isTrue();
			assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).as(name + " read-only root")
				.isTrue();
			assertThat(container.getSecurityContext().getSeccompProfile().getType()).as(name)
				.isEqualTo("RuntimeDefault");
			VolumeMount tmp = container.getVolumeMounts()
				.stream()
				.filter((mount) -> mount.getMountPath().equals("/tmp"))
				.findFirst()
				.orElseThrow(() -> new AssertionError(name + " mounts nothing at /tmp"));
			assertThat(volume(pod, tmp.getName()).getEmptyDir()).as(name + " /tmp is an emptyDir").isNotNull();
		}
		assertThat(Suite.REPO.resolve("infra/docker/Dockerfile")).content().contains("USER 10001:10001");
	}

	@ParameterizedTest
	@ValueSource(strings = { "overlays/dev", "overlays/production" })
	void everyReferencedConfigMapAndSecretIsRenderedOrDocumentedAsCreatedOutOfBand(String overlay) throws IOException {
		List<HasMetadata> objects = render(overlay);
		Set<String> missingSecrets = new TreeSet<>();
		for (Deployment deployment : all(objects, Deployment.class)) {
			PodSpec pod = deployment.getSpec().getTemplate().getSpec();
			String name = deployment.getMetadata().getName();
			for (Container container : pod.getContainers()) {
				for (EnvFromSource source : nullToEmpty(container.getEnvFrom())) {
					get(objects, ConfigMap.class, source.getConfigMapRef().getName());
				}
				for (EnvVar variable : nullToEmpty(container.getEnv())) {
					if (variable.getValueFrom() != null && variable.getValueFrom().getSecretKeyRef() != null) {
						String secret = variable.getValueFrom().getSecretKeyRef().getName();
						find(objects, Secret.class, secret).ifPresentOrElse(
								(found) -> assertThat(found.getData()).as(name + " → " + secret)
									.containsKey(variable.getValueFrom().getSecretKeyRef().getKey()),
								() -> missingSecrets.add(secret));
					}
				}
				for (VolumeMount mount : nullToEmpty(container.getVolumeMounts())) {
					volume(pod, mount.getName());
				}
			}
			for (Volume volume : pod.getVolumes()) {
				if (volume.getConfigMap() != null) {
					get(objects, ConfigMap.class, volume.getConfigMap().getName());
				}
				if (volume.getSecret() != null
						&& find(objects, Secret.class, volume.getSecret().getSecretName()).isEmpty()) {
					missingSecrets.add(volume.getSecret().getSecretName());
				}
			}
		}
		if (overlay.endsWith("production")) {
			assertThat(missingSecrets).containsExactlyInAnyOrderElementsOf(PRODUCTION_SECRETS);
			String readme = Files.readString(KubernetesManifests.K8S.resolve("README.md"));
			PRODUCTION_SECRETS
				.forEach((secret) -> assertThat(readme).as("k8s/README.md documents " + secret).contains(secret));
		}
		else {
			assertThat(missingSecrets).as("secrets dev does not create").isEmpty();
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "overlays/dev", "overlays/production" })
	void theChatServicesCreateTopicsAlikeAndTheRateLimiterKnowsItsReplicaCount(String overlay) {
		List<HasMetadata> objects = render(overlay);
		Map<String, String> gateway = get(objects, ConfigMap.class, "chat-gateway").getData();
		Map<String, String> messages = get(objects, ConfigMap.class, "chat-message-service").getData();
		for (String variable : List.of("CHAT_TOPIC_PARTITIONS", "CHAT_TOPIC_REPLICATION")) {
			assertThat(gateway.get(variable)).as(variable).isNotNull().isEqualTo(messages.get(variable));
		}
		assertThat(get(objects, ConfigMap.class, "notification-service").getData())
			.as("notification-service creates the events' dead-letter topic too")
			.containsEntry("CHAT_TOPIC_REPLICATION", messages.get("CHAT_TOPIC_REPLICATION"));
		assertThat(get(objects, ConfigMap.class, "rate-limiter-service").getData())
			.as("BLUEPRINT_RATELIMIT_INSTANCES is rate-limiter-service's replica count")
			.containsEntry("BLUEPRINT_RATELIMIT_INSTANCES",
					get(objects, Deployment.class, "rate-limiter-service").getSpec().getReplicas().toString());
		assertThat(get(objects, ConfigMap.class, "url-shortener-service").getData())
			.as("SHORTENER_RATELIMIT_INSTANCES is the shortener's least replica count")
			.containsEntry("SHORTENER_RATELIMIT_INSTANCES",
					get(objects, HorizontalPodAutoscaler.class, "url-shortener-service").getSpec()
						.getMinReplicas()
						.toString());
	}

	@Test
	@SuppressWarnings("unchecked")
	void devRunsRedisKafkaAndCassandraAsComposeDoesWithItsPinnedImagesAndKeys() throws IOException {
		List<HasMetadata> objects = render("overlays/dev");
		Map<String, String> env = envFile();
		Map<String, Map<String, Object>> compose = (Map<String, Map<String, Object>>) yaml(
				Files.readString(Suite.REPO.resolve("infra/compose.yaml")))
			.get("services");

		Container redis = container(get(objects, Deployment.class, "redis"));
		assertThat(redis.getImage()).isEqualTo(env.get("REDIS_IMAGE"));
		assertThat(redis.getArgs()).as("redis-server options as in compose")
			.isEqualTo(compose.get("redis").get("command"))
			.containsSubsequence("--maxmemory-policy", "allkeys-lru");

		Container kafka = container(get(objects, StatefulSet.class, "kafka"));
		assertThat(kafka.getImage()).isEqualTo(env.get("KAFKA_IMAGE"));
		Map<String, String> kafkaEnv = literalEnvironment(kafka);
		((Map<String, Object>) compose.get("kafka").get("environment")).forEach((key, value) -> {
			if (!key.equals("KAFKA_CONTROLLER_QUORUM_VOTERS")) {
				assertThat(kafkaEnv).as("kafka as in compose").containsEntry(key, String.valueOf(value));
			}
		});

		Container cassandra = container(get(objects, StatefulSet.class, "cassandra"));
		assertThat(cassandra.getImage()).isEqualTo(env.get("CASSANDRA_IMAGE"));
		assertThat(literalEnvironment(cassandra)).as("cassandra as in compose")
			.containsAllEntriesOf(stringValues((Map<String, Object>) compose.get("cassandra").get("environment")));

		assertThat(secret(objects, "blueprint-jwt", "hmac-secret")).as("the compose stack's JWT key")
			.isEqualTo(env.get("BLUEPRINT_JWT_HMAC_SECRET"));
		assertThat(secret(objects, "blueprint-shortener", "permutation-key")).as("the compose stack's key")
			.isEqualTo(env.get("SHORTENER_PERMUTATION_KEY"));
	}

	@Test
	void productionRunsNoDataServersAndReadsCassandraCredentialsFromTheConfigTreeItImports() throws IOException {
		List<HasMetadata> objects = render("overlays/production");
		assertThat(all(objects, Deployment.class)).extracting((deployment) -> deployment.getMetadata().getName())
			.containsExactlyInAnyOrderElementsOf(PORTS.keySet());
		assertThat(all(objects, StatefulSet.class)).isEmpty();
		assertThat(all(objects, Secret.class)).as("no keys in the repository").isEmpty();
		assertThat(Files.readAllLines(Suite.REPO.resolve("infra/docker/Dockerfile")))
			.filteredOn((line) -> line.startsWith("WORKDIR "))
			.last()
			.as("the image's working directory, whose ./config Spring Boot reads")
			.isEqualTo("WORKDIR /app");
		Suite.SERVICES.forEach((name, dependencies) -> {
			Deployment deployment = get(objects, Deployment.class, name);
			Map<String, Object> config = mountedApplicationYaml(objects, deployment);
			String tree = at(config, "spring", "config").get("import").toString();
			assertThat(tree).startsWith("optional:configtree:");
			String treeDir = tree.substring("optional:configtree:".length()).replaceAll("/$", "");
			List<VolumeMount> mounts = container(deployment).getVolumeMounts()
				.stream()
				.filter((mount) -> mount.getMountPath().equals(treeDir))
				.toList();
			if (dependencies.contains("cassandra")) {
				// Created beforehand with NetworkTopologyStrategy (the README): a service
				// would create it with SimpleStrategy and one replica.
				assertThat(at(config, "blueprint", "cassandra").get("create-keyspace"))
					.as(name + " creates no keyspace")
					.isEqualTo(false);
				assertThat(mounts).as(name + " mounts the Cassandra credentials").hasSize(1);
				Volume volume = volume(deployment.getSpec().getTemplate().getSpec(), mounts.get(0).getName());
				assertThat(volume.getSecret().getItems()).extracting((item) -> item.getPath())
					.containsExactlyInAnyOrder("spring.cassandra.username", "spring.cassandra.password");
			}
			else {
				assertThat(mounts).as(name).isEmpty();
			}
		});
	}

	@Test
	void aFieldKubernetesDoesNotKnowOrANumberForAStringFailsTheRead() {
		String deployment = """
				apiVersion: apps/v1
				kind: Deployment
				metadata:
				  name: x
				spec:
				  selector:
				    matchLabels: {app: x}
				  template:
				    metadata:
				      labels: {app: x}
				    spec:
				      containers:
				        - name: x
				          image: x:1
				          %s
				""";
		assertThat(KubernetesManifests.read(deployment.formatted("imagePullPolicy: Always"))).hasSize(1);
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> KubernetesManifests.read(deployment.formatted("readOnlyRootFileSystem: true")))
			.withMessageContaining("readOnlyRootFileSystem");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> KubernetesManifests.read(deployment.formatted("ports: [{containerPort: \"8081\"}]")))
			.withMessageContaining("containerPort");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> KubernetesManifests
				.read("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" + "data: {PORT: 8081}\n"))
			.withMessageContaining("Not a valid ConfigMap");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> KubernetesManifests
				.read(deployment.formatted("imagePullPolicy: Always").replace("apps/v1", "extensions/v1beta1")))
			.withMessageContaining("apiVersion");
	}

	private static void assertHttpProbe(String description, Probe probe, String path) {
		assertThat(probe).as(description).isNotNull();
		assertThat(probe.getHttpGet().getPath()).as(description).isEqualTo(path);
		assertThat(probe.getHttpGet().getPort().getStrVal()).as(description).isEqualTo("http");
	}

	private static void assertServiceExists(List<HasMetadata> objects, String endpoint) {
		assertThat(endpoint).as("endpoint").matches("[a-z0-9-]+:\\d+");
		String[] hostAndPort = endpoint.split(":");
		Service service = find(objects, Service.class, hostAndPort[0])
			.orElseThrow(() -> new AssertionError("no Service " + hostAndPort[0] + " for " + endpoint));
		assertThat(service.getSpec().getPorts()).extracting(ServicePort::getPort)
			.as(endpoint)
			.contains(Integer.parseInt(hostAndPort[1]));
	}

	private static Container container(Deployment deployment) {
		return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
	}

	private static Container container(StatefulSet statefulSet) {
		return statefulSet.getSpec().getTemplate().getSpec().getContainers().get(0);
	}

	private static Volume volume(PodSpec pod, String name) {
		return pod.getVolumes()
			.stream()
			.filter((volume) -> volume.getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no volume " + name));
	}

	/** The variables the service's container gets: its ConfigMaps' keys and its env. */
	private static Map<String, String> environment(List<HasMetadata> objects, Deployment deployment) {
		Container container = container(deployment);
		Map<String, String> environment = new HashMap<>();
		for (EnvFromSource source : nullToEmpty(container.getEnvFrom())) {
			assertThat(source.getPrefix()).isNull();
			environment.putAll(get(objects, ConfigMap.class, source.getConfigMapRef().getName()).getData());
		}
		for (EnvVar variable : nullToEmpty(container.getEnv())) {
			environment.put(variable.getName(), String.valueOf(variable.getValue()));
		}
		return environment;
	}

	private static Map<String, String> literalEnvironment(Container container) {
		Map<String, String> environment = new HashMap<>();
		nullToEmpty(container.getEnv()).forEach((variable) -> environment.put(variable.getName(), variable.getValue()));
		return environment;
	}

	/** The application.yaml a production Deployment mounts where Spring Boot reads it. */
	private static Map<String, Object> mountedApplicationYaml(List<HasMetadata> objects, Deployment deployment) {
		PodSpec pod = deployment.getSpec().getTemplate().getSpec();
		VolumeMount mount = container(deployment).getVolumeMounts()
			.stream()
			.filter((candidate) -> candidate.getMountPath().equals("/app/config"))
			.findFirst()
			.orElseThrow(() -> new AssertionError(deployment.getMetadata().getName() + " mounts no /app/config"));
		ConfigMap config = get(objects, ConfigMap.class, volume(pod, mount.getName()).getConfigMap().getName());
		assertThat(config.getData()).containsOnlyKeys("application.yaml");
		return yaml(config.getData().get("application.yaml"));
	}

	private static String secret(List<HasMetadata> objects, String name, String key) {
		Secret secret = all(objects, Secret.class).stream()
			.filter((candidate) -> candidate.getMetadata().getName().startsWith(name + "-"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no Secret " + name));
		return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
	}

	private static List<String> composeImages() throws IOException {
		List<String> images = new ArrayList<>();
		for (String line : Files.readAllLines(Suite.REPO.resolve("infra/compose.yaml"))) {
			String trimmed = line.trim();
			if (trimmed.startsWith("image: blueprint/")) {
				images.add(trimmed.substring("image: ".length()));
			}
		}
		return images;
	}

	private static Map<String, Object> applicationYml(String service) {
		try {
			return yaml(Files.readString(Suite.REPO.resolve(service).resolve("src/main/resources/application.yml")));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> at(Map<String, Object> map, String... path) {
		Map<String, Object> current = map;
		for (String key : path) {
			Object next = current.get(key);
			assertThat(next).as(String.join(".", path) + " at " + key).isInstanceOf(Map.class);
			current = (Map<String, Object>) next;
		}
		return current;
	}

	private static Map<String, String> stringValues(Map<String, Object> map) {
		Map<String, String> values = new HashMap<>();
		map.forEach((key, value) -> values.put(key, String.valueOf(value)));
		return values;
	}

	private static <T> List<T> nullToEmpty(List<T> list) {
		return (list != null) ? list : List.of();
	}

	private static Map<String, Object> yaml(String text) {
		return new Yaml().load(text);
	}

	private static Map<String, String> envFile() throws IOException {
		Map<String, String> env = new HashMap<>();
		for (String line : Files.readAllLines(Suite.REPO.resolve("infra/.env"))) {
			if (!line.isBlank() && !line.startsWith("#")) {
				int equals = line.indexOf('=');
				env.put(line.substring(0, equals), line.substring(equals + 1));
			}
		}
		return env;
	}

}
