package dev.blueprint.shortener.links;

import java.net.URI;
import java.util.List;

import dev.blueprint.ratelimit.client.RateLimited;
import dev.blueprint.ratelimit.client.SubjectResolver;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The link API under {@code /api/v1/urls}. */
@RestController
@RequestMapping("/api/v1/urls")
@Tag(name = "links", description = "Create, inspect, list and delete short links")
class LinkController {

	/** Longest accepted {@code Idempotency-Key}. */
	static final int MAX_IDEMPOTENCY_KEY = 255;

	private final LinkService links;

	private final SubjectResolver clients;

	LinkController(LinkService links, SubjectResolver clients) {
		this.links = links;
		this.clients = clients;
	}

	/**
	 * Creates a link. Rate limiting per client address belongs in front of this method
	 * (the rate limiter's client starter); the idempotency scope uses the same address,
	 * found the same way (from {@code X-Forwarded-For} behind a trusted proxy).
	 */
	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
	@RateLimited("url-create")
	@Operation(summary = "Shorten a URL",
			description = "Anonymous or with a JWT bearer token (which records the owner). "
					+ "Idempotency-Key: the same key and body replay the first response; "
					+ "the same key with another body is 422.")
	ResponseEntity<LinkCreated> create(@RequestBody CreateLinkRequest request,
			@Parameter(description = "Makes retries safe; up to 255 characters") @RequestHeader(
					name = "Idempotency-Key", required = false) String idempotencyKey,
			@AuthenticationPrincipal Jwt jwt, HttpServletRequest http) {
		if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY)) {
			throw new LinkExceptions.InvalidLinkException(List
				.of(new FieldViolation("Idempotency-Key", "must be 1 to " + MAX_IDEMPOTENCY_KEY + " characters")));
		}
		String owner = (jwt != null) ? jwt.getSubject() : null;
		LinkCreated created = this.links.create(request, owner, this.clients.clientIp(http), idempotencyKey);
		return ResponseEntity.created(locationOf(http.getRequestURI(), created.code())).body(created);
	}

	/**
	 * The new link's resource as a reference relative to the URL that was posted to
	 * ({@code urls/{code}} from {@code /api/v1/urls}; RFC 9110 §10.2.2 allows a relative
	 * {@code Location}, resolved against the request's URL). Until 2026-12-07 it was the
	 * absolute request URL as this service saw it: behind an ingress that is the internal
	 * host and port (and the path without a prefix the proxy strips), which the client
	 * cannot reach; relative, it resolves to the address the client used, and an
	 * idempotent replay answers the same {@code Location} whichever way it came.
	 */
	static URI locationOf(String requestPath, String code) {
		String collection = requestPath.substring(requestPath.lastIndexOf('/') + 1);
		return URI.create(collection.isEmpty() ? code : collection + "/" + code);
	}

	@GetMapping(path = "/{code}", produces = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Metadata and click counts of a link",
			description = "Click counts are eventually consistent (flushed about every second).")
	LinkDetails details(@PathVariable String code, @AuthenticationPrincipal Jwt jwt) {
		return this.links.details(code, (jwt != null) ? jwt.getSubject() : null);
	}

	@DeleteMapping("/{code}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	@Operation(summary = "Delete a link (owner only)")
	void delete(@PathVariable String code, @AuthenticationPrincipal Jwt jwt) {
		this.links.delete(code, jwt.getSubject());
	}

	@GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "List the caller's links, newest first")
	LinkPage list(@Parameter(description = "only 'me' is supported") @RequestParam String owner,
			@RequestParam(required = false) Integer size, @RequestParam(required = false) String cursor,
			@AuthenticationPrincipal Jwt jwt) {
		if (!"me".equals(owner)) {
			throw new LinkExceptions.InvalidLinkException(
					List.of(new FieldViolation("owner", "must be 'me': only your own links can be listed")));
		}
		return this.links.list(jwt.getSubject(), size, cursor);
	}

}
