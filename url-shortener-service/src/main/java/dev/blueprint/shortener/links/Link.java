package dev.blueprint.shortener.links;

import java.time.Instant;

/**
 * A short link as stored.
 *
 * @param code generated code or custom alias
 * @param url absolute http(s) target
 * @param createdAt creation time
 * @param expiresAt end of life, or {@code null} for never
 * @param owner JWT subject of the creator, or {@code null} when created anonymously
 * @param redirectType 301 or 302
 */
public record Link(String code, String url, Instant createdAt, Instant expiresAt, String owner, int redirectType) {

	public RedirectTarget target() {
		return new RedirectTarget(this.url, this.redirectType, this.expiresAt);
	}

	public boolean expiredAt(Instant now) {
		return this.expiresAt != null && !now.isBefore(this.expiresAt);
	}

}
