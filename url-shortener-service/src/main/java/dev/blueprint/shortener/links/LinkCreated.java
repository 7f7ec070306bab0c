package dev.blueprint.shortener.links;

import java.time.Instant;

/**
 * Response of a create, replayed as-is for a repeated {@code Idempotency-Key}.
 *
 * @param code the code
 * @param shortUrl the short URL
 * @param url the target
 * @param createdAt creation time
 * @param expiresAt end of life, or {@code null}
 * @param redirectType 301 or 302
 */
public record LinkCreated(String code, String shortUrl, String url, Instant createdAt, Instant expiresAt,
		int redirectType) {
}
