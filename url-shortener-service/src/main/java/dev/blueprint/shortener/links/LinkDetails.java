package dev.blueprint.shortener.links;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Response of {@code GET /api/v1/urls/{code}}.
 *
 * @param code the code
 * @param shortUrl the short URL
 * @param url the target
 * @param createdAt creation time
 * @param expiresAt end of life, or {@code null}
 * @param redirectType 301 or 302
 * @param expired whether the link has expired
 * @param owner the owner, shown to the owner only
 * @param clicks redirects counted (eventually consistent: flushed every second or so)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinkDetails(String code, String shortUrl, String url, Instant createdAt, Instant expiresAt,
		int redirectType, boolean expired, String owner, Clicks clicks) {

	/**
	 * @param total all counted redirects
	 * @param daily per UTC day, oldest first
	 */
	public record Clicks(long total, List<Day> daily) {
	}

	/**
	 * @param day UTC day
	 * @param clicks redirects that day
	 */
	public record Day(LocalDate day, long clicks) {
	}

}
