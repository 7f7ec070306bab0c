package dev.blueprint.shortener.links;

import java.time.Instant;

/**
 * What the redirect path needs of a link, and all the caches hold.
 *
 * @param url where to redirect
 * @param redirectType 301 or 302
 * @param expiresAt end of life, or {@code null}
 */
public record RedirectTarget(String url, int redirectType, Instant expiresAt) {

	public boolean expiredAt(Instant now) {
		return this.expiresAt != null && !now.isBefore(this.expiresAt);
	}

}
