package dev.blueprint.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.ratelimit.check.ApiClient;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestRedisCluster;
import dev.blueprint.testsupport.TestTokens;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * rate-limiter-service on a real three-master Redis Cluster, production's shape
 * (k8s/components/production), configured the way production configures it
 * ({@code spring.data.redis.cluster.nodes}): decisions for subjects on every master, and
 * a rule change through the admin API (stored and announced on the cluster) in force
 * within a second. The store's contract on a cluster is in ratelimit-core
 * (RedisClusterContractIntegrationTests); this is the service around it.
 * <p>
 * The cluster lives until this JVM exits (its shutdown hook stops it); the context is
 * closed after the class, before that.
 */
@RealInfrastructure
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.config.import=classpath:rules/test-rules.yaml", "blueprint.ratelimit.admins=admin" })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class RateLimiterRedisClusterIntegrationTests {

	private static final TestRedisCluster cluster = TestRedisCluster.start(18160);

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void redisCluster(DynamicPropertyRegistry registry) {
		cluster.addTo(registry);
	}

	@Test
	void everySubjectGetsItsOwnLimitWhicheverNodeItIsOn() {
		ApiClient api = new ApiClient(this.port);
		for (int i = 0; i < 30; i++) {
			String subject = "cluster-" + i + "-" + UUID.randomUUID();
			for (int allowed = 0; allowed < 3; allowed++) {
				HttpResponse<String> check = api.check("tight", subject);
				assertThat(check.statusCode()).as(check.body()).isEqualTo(200);
				// a decision, not the fail-open answer (which has no remaining)
				assertThat(JsonPath.<Integer>read(check.body(), "$.remaining")).isEqualTo(2 - allowed);
			}
			assertThat(api.check("tight", subject).statusCode()).as("3 an hour").isEqualTo(429);
		}
		// decided in the cluster (not by a local fallback): its masters hold the state
		RedisClusterClient client = RedisClusterClient.create(cluster.uris());
		try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
			assertThat(connection.sync().dbsize()).isGreaterThanOrEqualTo(30);
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void aRuleChangeIsStoredAnnouncedAndInForce() throws Exception {
		ApiClient api = new ApiClient(this.port);
		String subject = "runtime-" + UUID.randomUUID();
		assertThat(api.check("runtime", subject).statusCode()).as("not configured").isEqualTo(400);
		try {
			HttpResponse<String> put = admin("PUT", """
					{"rules":[{"name":"runtime","algorithm":"fixed-window","limits":[{"limit":1,"unit":"hour"}]}]}""");
			assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
			long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
			int status = api.check("runtime", "probe-" + UUID.randomUUID()).statusCode();
			while (status == 400 && System.nanoTime() < deadline) {
				Thread.sleep(20);
				status = api.check("runtime", "probe-" + UUID.randomUUID()).statusCode();
			}
			assertThat(status).isEqualTo(200);
			assertThat(api.check("runtime", subject).statusCode()).isEqualTo(200);
			assertThat(api.check("runtime", subject).statusCode()).as("1 an hour").isEqualTo(429);
		}
		finally {
			assertThat(admin("DELETE", null).statusCode()).isEqualTo(204);
		}
	}

	private HttpResponse<String> admin(String method, String body) throws Exception {
		HttpRequest request = HttpRequest
			.newBuilder(URI.create("http://localhost:" + this.port + "/api/v1/ratelimit/rules"))
			.timeout(Duration.ofSeconds(10))
			.method(method,
					(body != null) ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody())
			.header("Content-Type", "application/json")
			.header("Authorization", TestTokens.bearer("admin"))
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

}
