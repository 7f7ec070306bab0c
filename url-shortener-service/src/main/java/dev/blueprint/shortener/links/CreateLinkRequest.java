package dev.blueprint.shortener.links;

import java.time.Instant;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * Body of {@code POST /api/v1/urls}.
 *
 * @param url absolute http(s) URL to shorten
 * @param alias custom code, {@code [A-Za-z0-9_-]{3,32}}
 * @param expiresAt end of life (ISO-8601 instant)
 * @param redirectType 301 or 302 (default)
 */
public record CreateLinkRequest(@Schema(example = "https://example.com/some/long/path") String url,
		@Schema(example = "my-link", nullable = true) String alias,
		@Schema(example = "2030-01-01T00:00:00Z", nullable = true) Instant expiresAt,
		@Schema(example = "302", allowableValues = {
				"301", "302" }, nullable = true) Integer redirectType){
}
