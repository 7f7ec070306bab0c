package dev.blueprint.chat.gateway.web;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import dev.blueprint.chat.gateway.GatewayProperties;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Forwards the web page's REST calls to the services that own them, so the page talks to
 * one origin (the gateway's) and neither service needs CORS:
 * {@code /api/v1/conversations} and below to chat-message-service,
 * {@code /api/v1/presence} and below to presence-service. The bearer token is checked
 * here by the platform's security chain and passed on; the owning service checks it again
 * and decides (membership, contacts). Only the method, path, query, body and the
 * Authorization, Content-Type and Accept headers are forwarded; status, body,
 * Content-Type and Retry-After come back. An unreachable service is a 502 problem.
 */
@RestController
class ApiProxy {

	private static final List<String> REQUEST_HEADERS = List.of(HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE,
			HttpHeaders.ACCEPT);

	private static final List<String> RESPONSE_HEADERS = List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.RETRY_AFTER);

	private final HttpClient http;

	private final URI messages;

	private final URI presence;

	private final Duration timeout;

	private final MeterRegistry meters;

	private static final String PROXIED = "blueprint.chat.web.proxied";

	ApiProxy(GatewayProperties gateway, WebProperties web, MeterRegistry meters) {
		this.timeout = web.proxyTimeout();
		this.http = HttpClient.newBuilder().connectTimeout(this.timeout).version(HttpClient.Version.HTTP_1_1).build();
		this.messages = gateway.contacts().url();
		this.presence = web.presenceUrl();
		this.meters = meters;
		// At 0 from the start, so a rate over it is 0 before the first call, not no data.
		for (String service : new String[] { "chat-message-service", "presence-service" }) {
			meters.counter(PROXIED, "service", service, "status", "200");
		}
	}

	@RequestMapping({ "/api/v1/conversations", "/api/v1/conversations/**" })
	ResponseEntity<byte[]> conversations(HttpServletRequest request, @RequestBody(required = false) byte[] body) {
		return forward(this.messages, "chat-message-service", request, body);
	}

	@RequestMapping("/api/v1/presence/**")
	ResponseEntity<byte[]> presence(HttpServletRequest request, @RequestBody(required = false) byte[] body) {
		return forward(this.presence, "presence-service", request, body);
	}

	private ResponseEntity<byte[]> forward(URI base, String service, HttpServletRequest request, byte[] body) {
		String target = stripSlash(base.toString()) + request.getRequestURI()
				+ ((request.getQueryString() != null) ? "?" + request.getQueryString() : "");
		HttpRequest.Builder forwarded = HttpRequest.newBuilder(URI.create(target))
			.timeout(this.timeout)
			.method(request.getMethod(), (body != null && body.length > 0)
					? HttpRequest.BodyPublishers.ofByteArray(body) : HttpRequest.BodyPublishers.noBody());
		for (String name : REQUEST_HEADERS) {
			String value = request.getHeader(name);
			if (value != null) {
				forwarded.header(name, value);
			}
		}
		try {
			HttpResponse<byte[]> response = this.http.send(forwarded.build(), HttpResponse.BodyHandlers.ofByteArray());
			this.meters.counter(PROXIED, "service", service, "status", Integer.toString(response.statusCode()))
				.increment();
			HttpHeaders headers = new HttpHeaders();
			for (String name : RESPONSE_HEADERS) {
				response.headers().firstValue(name).ifPresent((value) -> headers.set(name, value));
			}
			return new ResponseEntity<>(response.body(), headers, response.statusCode());
		}
		catch (IOException ex) {
			return unreachable(service, ex.toString());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return unreachable(service, "interrupted");
		}
	}

	private ResponseEntity<byte[]> unreachable(String service, String why) {
		this.meters.counter("blueprint.chat.web.proxied", "service", service, "status", "unreachable").increment();
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY,
				service + " is unreachable: " + why);
		String json = "{\"type\":\"about:blank\",\"title\":\"Bad Gateway\",\"status\":502,\"detail\":"
				+ quote(problem.getDetail()) + "}";
		return ResponseEntity.status(HttpStatus.BAD_GATEWAY)
			.header(HttpHeaders.CONTENT_TYPE, "application/problem+json")
			.header(HttpHeaders.RETRY_AFTER, "2")
			.body(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
	}

	private static String quote(String text) {
		return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
	}

	private static String stripSlash(String url) {
		return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
	}

}
