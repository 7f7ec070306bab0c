package dev.blueprint.ratelimit.check;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.blueprint.testsupport.TestTokens;

/** Calls a running rate-limiter-service the way a client does. */
public final class ApiClient {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private final int port;

	public ApiClient(int port) {
		this.port = port;
	}

	public HttpResponse<String> check(String rule, String subject) {
		return post("/api/v1/ratelimit/check", "{\"rule\":\"" + rule + "\",\"subject\":\"" + subject + "\"}");
	}

	public HttpResponse<String> post(String path, String json) {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(10))
			.header("Authorization", TestTokens.bearer("ratelimit-tests"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build();
		return send(request);
	}

	/** A GET with the client's token (health details need one). */
	public HttpResponse<String> get(String path) {
		return send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(10))
			.header("Authorization", TestTokens.bearer("ratelimit-tests"))
			.build());
	}

	private HttpResponse<String> send(HttpRequest request) {
		try {
			return this.http.send(request, HttpResponse.BodyHandlers.ofString());
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
