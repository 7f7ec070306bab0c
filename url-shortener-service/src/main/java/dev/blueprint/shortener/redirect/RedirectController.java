package dev.blueprint.shortener.redirect;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import dev.blueprint.platform.web.Problems;
import dev.blueprint.shortener.ShortenerProperties;
import dev.blueprint.shortener.cache.LinkResolver;
import dev.blueprint.shortener.clicks.ClickCounter;
import dev.blueprint.shortener.links.LinkExceptions.StoreUnavailableException;
import dev.blueprint.shortener.links.LinkRules;
import dev.blueprint.shortener.links.LinkService;
import dev.blueprint.shortener.links.RedirectTarget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.util.HtmlUtils;

/**
 * {@code GET /{code}}: the hot path. A code that cannot exist (characters, length,
 * reserved word) is answered 404 before any cache or store is asked. {@code HEAD} gets
 * the same answer but is not counted as a click: link unfurlers and crawlers use it.
 */
@RestController
@Tag(name = "redirect")
class RedirectController {

	/** A 302's Cache-Control, its header value made once. */
	private static final String TEMPORARY = CacheControl.noCache().cachePrivate().getHeaderValue();

	private static final Duration PERMANENT_MAX_AGE = Duration.ofDays(1);

	/** Longest a 410 may be cached. */
	private static final Duration GONE_MAX_AGE = Duration.ofSeconds(30);

	private final LinkRules rules;

	private final LinkResolver resolver;

	private final ClickCounter clicks;

	private final Clock clock;

	private final Duration expiredRetention;

	private final Counter found;

	private final Counter notFound;

	private final Counter invalid;

	private final Counter expired;

	private final Counter unavailable;

	RedirectController(LinkRules rules, LinkResolver resolver, ClickCounter clicks, Clock clock,
			ShortenerProperties properties, MeterRegistry meters) {
		this.rules = rules;
		this.resolver = resolver;
		this.clicks = clicks;
		this.clock = clock;
		this.expiredRetention = properties.links().expiredRetention();
		this.found = redirects(meters, "redirected");
		this.notFound = redirects(meters, "not_found");
		this.invalid = redirects(meters, "invalid_code");
		this.expired = redirects(meters, "expired");
		this.unavailable = redirects(meters, "unavailable");
	}

	private static Counter redirects(MeterRegistry meters, String outcome) {
		return Counter.builder("blueprint.shortener.redirects")
			.description("Redirect requests by outcome")
			.tag("outcome", outcome)
			.register(meters);
	}

	@GetMapping("/{code}")
	@Operation(summary = "Follow a short link",
			description = "302 (or 301 if the link asks); 404 unknown, 410 expired: "
					+ "problem+json, or a small HTML page when the client accepts text/html.")
	@Parameter(name = "code", in = ParameterIn.PATH, required = true, description = "The short link's code",
			schema = @Schema(type = "string"))
	ResponseEntity<?> redirect(HttpServletRequest request) {
		// read from the matched path directly: a @PathVariable or @RequestHeader argument
		// builds a WebDataBinder per request, ~5 % of this handler's CPU
		String code = code(request);
		if (!this.rules.isPossibleCode(code)) {
			this.invalid.increment();
			return notFound(code, request);
		}
		Optional<RedirectTarget> target;
		try {
			target = this.resolver.resolve(code);
		}
		catch (RuntimeException ex) {
			if (!LinkService.isUnavailable(ex)) {
				throw ex;
			}
			this.unavailable.increment();
			throw new StoreUnavailableException(ex);
		}
		if (target.isEmpty()) {
			this.notFound.increment();
			return notFound(code, request);
		}
		RedirectTarget link = target.get();
		Instant now = this.clock.instant();
		if (link.expiredAt(now)) {
			this.expired.increment();
			return error(HttpStatus.GONE, "This link has expired", code, goneCacheControl(link, now), request);
		}
		// @GetMapping answers HEAD too: unfurlers and crawlers would inflate the stats
		if (!HttpMethod.HEAD.matches(request.getMethod())) {
			this.clicks.record(code);
		}
		this.found.increment();
		return ResponseEntity.status(link.redirectType())
			.header(HttpHeaders.LOCATION, location(link.url()))
			.header(HttpHeaders.CACHE_CONTROL, cacheControl(link, now))
			.build();
	}

	private static String cacheControl(RedirectTarget link, Instant now) {
		if (link.redirectType() != 301) {
			// every click of a 302 should reach us (and be counted)
			return TEMPORARY;
		}
		Duration maxAge = PERMANENT_MAX_AGE;
		if (link.expiresAt() != null) {
			Duration left = Duration.between(now, link.expiresAt());
			maxAge = (left.compareTo(maxAge) < 0) ? left : maxAge;
		}
		return CacheControl.maxAge(maxAge).cachePublic().getHeaderValue();
	}

	/**
	 * A 410 may be cached until the link's row is gone: its TTL removes it
	 * {@code expiredRetention} after expiry, and an alias can then be claimed again.
	 * Cassandra counts the TTL in whole seconds from the whole second of the write, so
	 * the row may go up to 2 s sooner.
	 */
	private CacheControl goneCacheControl(RedirectTarget link, Instant now) {
		Duration rowLeft = Duration.between(now, link.expiresAt().plus(this.expiredRetention)).minusSeconds(2);
		Duration maxAge = (rowLeft.compareTo(GONE_MAX_AGE) < 0) ? rowLeft : GONE_MAX_AGE;
		return (maxAge.getSeconds() > 0) ? CacheControl.maxAge(maxAge).cachePublic() : CacheControl.noStore();
	}

	/**
	 * The target as {@code Location}: stored in its ASCII form since 2026-12-06, but a
	 * link created before may hold non-ASCII characters, which Tomcat drops the header
	 * for. An ASCII URL is returned as it is, after one scan.
	 */
	private static String location(String url) {
		try {
			return LinkRules.toAscii(url);
		}
		catch (IllegalArgumentException ex) {
			// not convertible (it was accepted by older rules): as stored
			return url;
		}
	}

	private static String code(HttpServletRequest request) {
		@SuppressWarnings("unchecked")
		Map<String, String> variables = (Map<String, String>) request
			.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
		return variables.get("code");
	}

	/**
	 * Never stored by browsers or proxies: the code may be claimed any moment (an alias
	 * asked for before it is created, or after its link was deleted or removed).
	 */
	private static ResponseEntity<?> notFound(String code, HttpServletRequest request) {
		return error(HttpStatus.NOT_FOUND, "No such link", code, CacheControl.noStore(), request);
	}

	/**
	 * HTML or problem+json by {@code Accept}, so {@code Vary: Accept}: a shared cache
	 * must not give one kind of client the other's body.
	 */
	private static ResponseEntity<?> error(HttpStatus status, String title, String code, CacheControl cache,
			HttpServletRequest request) {
		String accept = request.getHeader(HttpHeaders.ACCEPT);
		if (accept != null && accept.contains(MediaType.TEXT_HTML_VALUE)) {
			String page = """
					<!DOCTYPE html>
					<html lang="en"><head><meta charset="utf-8"><title>%1$s</title></head>
					<body><h1>%1$s</h1><p>The short link <code>/%2$s</code> %3$s.</p></body></html>
					""".formatted(title, HtmlUtils.htmlEscape(code),
					(status == HttpStatus.GONE) ? "has expired" : "does not exist");
			return ResponseEntity.status(status)
				.contentType(MediaType.TEXT_HTML)
				.cacheControl(cache)
				.varyBy(HttpHeaders.ACCEPT)
				.body(page);
		}
		ProblemDetail problem = Problems.of(status, title,
				(status == HttpStatus.GONE) ? "Link '" + code + "' has expired" : "No link with code '" + code + "'");
		return ResponseEntity.status(status)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.cacheControl(cache)
			.varyBy(HttpHeaders.ACCEPT)
			.body(problem);
	}

}
