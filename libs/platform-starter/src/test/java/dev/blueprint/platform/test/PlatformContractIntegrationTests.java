package dev.blueprint.platform.test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import java.util.UUID;

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.platform.web.RequestBodyLimitProperties;
import dev.blueprint.testsupport.TestTokens;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every Blueprint service promises operations and clients, checked against the
 * running service and its real servers: health (with the servers it depends on), probes,
 * Prometheus scrape, Actuator exposure (health, info and prometheus public, nothing else
 * reachable), JSON log lines with trace ids, a limit on request bodies, and JWT bearer
 * authentication with RFC 9457 errors.
 * <p>
 * A service extends this with its dependencies' health component names and annotates the
 * subclass with {@code @RealInfrastructure}, which starts the servers and sets the JWT
 * key that {@link TestTokens} signs with.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureMetrics
@ExtendWith(OutputCaptureExtension.class)
// Below the 1 MB default, so that a refused body fits the sockets' buffers whole.
@TestPropertySource(properties = "blueprint.web.max-request-body=" + PlatformContractIntegrationTests.BODY_LIMIT + "B")
public abstract class PlatformContractIntegrationTests {

	static final int BODY_LIMIT = 64 * 1024;

	private static final String PROTECTED_PATH = "/api/v1/does-not-exist";

	private final List<String> healthComponents;

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private Tracer tracer;

	@Autowired
	private RequestBodyLimitProperties bodyLimit;

	@Autowired
	private RequestMappingHandlerAdapter mvc;

	@Autowired
	private JsonMapper jsonMapper;

	/**
	 * @param healthComponents the health components of the servers the service depends on
	 * (such as {@code redis}, {@code cassandra}, {@code kafka}); each must be UP in the
	 * overall health and in the readiness group
	 */
	protected PlatformContractIntegrationTests(String... healthComponents) {
		this.healthComponents = List.of(healthComponents);
	}

	/**
	 * Request bodies are read strictly (an unknown field or a fraction for a whole number
	 * is a 400), while the service's own {@link JsonMapper}, which its HTTP clients and
	 * event codecs may use, stays lenient: a field a newer service adds to its answers
	 * must not break this one.
	 */
	@Test
	void requestBodiesAreReadStrictlyWhileTheServicesJsonMapperStaysLenient() {
		JsonMapper server = bodyReader(this.mvc);
		assertThat(server.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)).isTrue();
		assertThat(server.isEnabled(DeserializationFeature.ACCEPT_FLOAT_AS_INT)).isFalse();
		assertThat(this.jsonMapper.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)).isFalse();
	}

	@Test
	void healthIsUpWithEveryServerTheServiceNeeds() throws Exception {
		HttpResponse<String> response = get("/actuator/health", null);

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<String>read(response.body(), "$.status")).isEqualTo("UP");
		for (String component : this.healthComponents) {
			assertThat(JsonPath.<String>read(response.body(), "$.components." + component + ".status")).as(component)
				.isEqualTo("UP");
		}
		// Details (versions, cluster ids, error messages) only for a caller with a token:
		// the health endpoint is public, on the same port as the API.
		assertThat(response.body()).doesNotContain("\"details\"");
		HttpResponse<String> authorized = get("/actuator/health", TestTokens.bearer("operator"));
		assertThat(authorized.body()).contains("\"details\"");
		if (this.healthComponents.contains("kafka")) {
			assertThat(JsonPath.<String>read(authorized.body(), "$.components.kafka.details.clusterId")).isNotBlank();
			assertThat(JsonPath.<Integer>read(authorized.body(), "$.components.kafka.details.nodes")).isPositive();
		}
	}

	@Test
	void readinessDependsOnTheServers() throws Exception {
		HttpResponse<String> response = get("/actuator/health/readiness", null);

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<String>read(response.body(), "$.status")).isEqualTo("UP");
		assertThat(JsonPath.<Map<String, Object>>read(response.body(), "$.components").keySet())
			.containsAll(readinessComponents())
			.contains("readinessState");
	}

	/**
	 * The components the readiness group must include: by default every server the
	 * service needs. A service that keeps answering while a server is down (by a stated
	 * fallback) names the component that reports that state instead.
	 * @return the readiness components besides {@code readinessState}
	 */
	protected List<String> readinessComponents() {
		return this.healthComponents;
	}

	@Test
	void livenessIgnoresTheServers() throws Exception {
		HttpResponse<String> response = get("/actuator/health/liveness", null);

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<Map<String, Object>>read(response.body(), "$.components").keySet())
			.containsExactly("livenessState");
	}

	@Test
	void prometheusCanScrapeWithoutToken() throws Exception {
		HttpResponse<String> response = get("/actuator/prometheus", null);

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((contentType) -> assertThat(contentType).startsWith("text/plain"));
		assertThat(response.body()).contains("jvm_memory_used_bytes", "process_uptime_seconds");
	}

	@Test
	void requestsAreObservedButNotEachSecurityFilterNorEachRedisCommand() throws Exception {
		get(PROTECTED_PATH, TestTokens.bearer("alice"));
		// a service with Redis pings it for its health
		get("/actuator/health", null);
		HttpResponse<String> response = get("/actuator/prometheus", null);

		assertThat(response.body()).contains("http_server_requests_seconds_count")
			.doesNotContain("spring_security_")
			.doesNotContain("lettuce_");
	}

	@Test
	void infoIsPublic() throws Exception {
		assertThat(get("/actuator/info", null).statusCode()).isEqualTo(200);
	}

	/**
	 * Every Actuator endpoint but health, info and prometheus: without a token the
	 * request is refused before anything is looked up; with one, the endpoint does not
	 * exist over HTTP.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "/actuator/env", "/actuator/beans", "/actuator/configprops", "/actuator/loggers",
			"/actuator/metrics", "/actuator/mappings", "/actuator/heapdump", "/actuator/threaddump",
			"/actuator/conditions", "/actuator/scheduledtasks", "/actuator/caches", "/actuator/sbom",
			"/actuator/startup", "/actuator/shutdown", "/actuator/circuitbreakers", "/actuator/retries" })
	void everyOtherActuatorEndpointIsClosed(String path) throws Exception {
		assertThat(get(path, null).statusCode()).as(path).isEqualTo(401);
		assertThat(get(path, TestTokens.bearer("alice")).statusCode()).as(path).isEqualTo(404);
	}

	@Test
	void actuatorDiscoveryNeedsAToken() throws Exception {
		assertThat(get("/actuator", null).statusCode()).isEqualTo(401);
	}

	@Test
	void logLinesAreJsonWithTheTraceAndSpanIds(CapturedOutput output) {
		String marker = "platform-contract-" + UUID.randomUUID();
		Span span = this.tracer.nextSpan().name("platform-contract").start();
		try (Tracer.SpanInScope scope = this.tracer.withSpan(span)) {
			LoggerFactory.getLogger(PlatformContractIntegrationTests.class).warn(marker);
		}
		finally {
			span.end();
		}
		String line = output.getOut()
			.lines()
			.filter((candidate) -> candidate.contains(marker))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No log line with " + marker));
		assertThat(JsonPath.<String>read(line, "$.message")).isEqualTo(marker);
		assertThat(JsonPath.<String>read(line, "$.log.level")).isEqualTo("WARN");
		assertThat(JsonPath.<String>read(line, "$.traceId")).isEqualTo(span.context().traceId());
		assertThat(JsonPath.<String>read(line, "$.spanId")).isEqualTo(span.context().spanId());
	}

	@Test
	void requestWithoutTokenIsRejectedWithProblemDocument() throws Exception {
		HttpResponse<String> response = get(PROTECTED_PATH, null);

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.headers().firstValue("WWW-Authenticate"))
			.hasValueSatisfying((challenge) -> assertThat(challenge).startsWith("Bearer"));
		assertThat(JsonPath.<Integer>read(response.body(), "$.status")).isEqualTo(401);
		assertThat(JsonPath.<String>read(response.body(), "$.instance")).isEqualTo(PROTECTED_PATH);
	}

	@Test
	void requestWithValidTokenIsAuthenticated() throws Exception {
		HttpResponse<String> response = get(PROTECTED_PATH, TestTokens.bearer("alice"));

		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
	}

	@Test
	void tamperedTokenIsRejected() throws Exception {
		assertRejected("Bearer " + TestTokens.tampered("alice"), "Invalid signature");
	}

	@Test
	void tokenSignedWithAnotherKeyIsRejected() throws Exception {
		assertRejected("Bearer " + TestTokens.foreign("alice"), "Invalid signature");
	}

	@Test
	void expiredTokenIsRejected() throws Exception {
		assertRejected("Bearer " + TestTokens.expired("alice"), "expired");
	}

	/**
	 * A body above {@code blueprint.web.max-request-body} is refused before anything
	 * reads it, authentication included (a public path reads bodies too); one at the
	 * limit goes on (here to be refused for its missing token). With a declared length or
	 * chunked.
	 */
	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void aRequestBodyAboveTheLimitIsRefusedWithAProblemBeforeAnythingReadsIt(boolean chunked) throws Exception {
		int limit = (int) this.bodyLimit.maxRequestBody().toBytes();
		assertThat(limit).isEqualTo(BODY_LIMIT);
		assertThat(post(PROTECTED_PATH, limit, chunked).statusCode()).as("a body at the limit").isEqualTo(401);

		HttpResponse<String> response = post(PROTECTED_PATH, limit + 1, chunked);

		assertThat(response.statusCode()).isEqualTo(413);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(JsonPath.<Integer>read(response.body(), "$.status")).isEqualTo(413);
		assertThat(JsonPath.<String>read(response.body(), "$.detail"))
			.isEqualTo("Request body exceeds " + limit + " bytes");
		assertThat(JsonPath.<String>read(response.body(), "$.instance")).isEqualTo(PROTECTED_PATH);
	}

	private HttpResponse<String> post(String path, int bytes, boolean chunked)
			throws IOException, InterruptedException {
		byte[] body = new byte[bytes];
		java.util.Arrays.fill(body, (byte) 'x');
		HttpRequest.BodyPublisher publisher = chunked
				? HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))
				: HttpRequest.BodyPublishers.ofByteArray(body);
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("Content-Type", "application/json")
			.POST(publisher)
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	private void assertRejected(String authorization, String reason) throws Exception {
		HttpResponse<String> response = get(PROTECTED_PATH, authorization);

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(JsonPath.<String>read(response.body(), "$.detail")).contains(reason);
	}

	/**
	 * Sends a GET to the running service.
	 * @param path the path
	 * @param authorization the {@code Authorization} header value, or {@code null}
	 * @return the response
	 */
	protected HttpResponse<String> get(String path, String authorization) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path));
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * The mapper that reads a JSON request body in {@code mvc}: that of the first
	 * converter that can read one.
	 */
	public static JsonMapper bodyReader(RequestMappingHandlerAdapter mvc) {
		return mvc.getMessageConverters()
			.stream()
			.filter((converter) -> converter.canRead(Body.class, MediaType.APPLICATION_JSON))
			.findFirst()
			.filter(JacksonJsonHttpMessageConverter.class::isInstance)
			.map((converter) -> ((JacksonJsonHttpMessageConverter) converter).getMapper())
			.orElseThrow();
	}

	/** A request body: the converter that reads it is the first that can. */
	record Body(String name) {
	}

}
