package dev.blueprint.shortener.links;

import java.time.Instant;
import java.util.List;

/**
 * A page of {@code GET /api/v1/urls?owner=me}.
 *
 * @param items links, newest first
 * @param nextCursor pass as {@code cursor} for the next page; {@code null} on the last
 */
public record LinkPage(List<Item> items, String nextCursor) {

	/**
	 * @param code the code
	 * @param shortUrl the short URL
	 * @param url the target
	 * @param createdAt creation time
	 * @param expiresAt end of life, or {@code null}
	 * @param redirectType 301 or 302
	 * @param expired whether the link has expired
	 */
	public record Item(String code, String shortUrl, String url, Instant createdAt, Instant expiresAt, int redirectType,
			boolean expired) {
	}

}
