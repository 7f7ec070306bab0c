package dev.blueprint.shortener.links;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import dev.blueprint.shortener.ids.Base62;

/**
 * What a link may look like: target URL, alias, expiry and redirect type. Plain Java, so
 * the rules are tested without a server.
 */
public final class LinkRules {

	/** Shortest and longest code or alias: {@code [A-Za-z0-9_-]{3,32}}. */
	private static final int MIN_CODE = 3;

	private static final int MAX_CODE = 32;

	private final String publicHost;

	private final int maxUrlLength;

	private final Set<String> blockedHosts;

	private final Set<String> reservedWords;

	/**
	 * @param publicBaseUrl base of this service's short URLs; its host is refused as a
	 * target
	 * @param maxUrlLength longest accepted URL
	 * @param blockedHosts other refused target hosts
	 * @param reservedWords refused aliases (ignoring case)
	 */
	public LinkRules(URI publicBaseUrl, int maxUrlLength, List<String> blockedHosts, List<String> reservedWords) {
		this.publicHost = normalizeHost(publicBaseUrl.getHost());
		this.maxUrlLength = maxUrlLength;
		this.blockedHosts = blockedHosts.stream().map(LinkRules::normalizeHost).collect(Collectors.toSet());
		// compared ignoring case without lower-casing each redirect's code
		this.reservedWords = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
		this.reservedWords.addAll(reservedWords);
	}

	/**
	 * Whether a redirect path segment can name a link at all. Anything else is answered
	 * 404 without asking a cache or the store.
	 */
	public boolean isPossibleCode(String code) {
		return isCodeShaped(code) && !isReserved(code);
	}

	/**
	 * Checks a create request.
	 * @return the violations, empty when the request is valid
	 */
	public List<FieldViolation> check(String url, String alias, Instant expiresAt, Integer redirectType, Instant now) {
		List<FieldViolation> violations = new ArrayList<>();
		checkUrl(url, violations);
		if (alias != null) {
			checkAlias(alias, violations);
		}
		if (expiresAt != null && !expiresAt.isAfter(now)) {
			violations.add(new FieldViolation("expiresAt", "must be in the future"));
		}
		if (redirectType != null && redirectType != 301 && redirectType != 302) {
			violations.add(new FieldViolation("redirectType", "must be 301 or 302"));
		}
		return violations;
	}

	private void checkUrl(String url, List<FieldViolation> violations) {
		if (url == null || url.isBlank()) {
			violations.add(new FieldViolation("url", "is required"));
			return;
		}
		if (url.length() > this.maxUrlLength) {
			violations.add(new FieldViolation("url", "must be at most " + this.maxUrlLength + " characters"));
			return;
		}
		URI uri;
		try {
			uri = new URI(url);
		}
		catch (URISyntaxException ex) {
			violations.add(new FieldViolation("url", "is not a valid URI: " + ex.getReason()));
			return;
		}
		String scheme = uri.getScheme();
		if (scheme == null || !uri.isAbsolute()) {
			violations.add(new FieldViolation("url", "must be an absolute http or https URL"));
			return;
		}
		if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
			violations.add(new FieldViolation("url", "scheme must be http or https, was " + scheme));
			return;
		}
		String host = uri.getHost();
		if (host == null || host.isEmpty()) {
			violations.add(new FieldViolation("url", "must have a host"));
			return;
		}
		String normalized = normalizeHost(host);
		if (normalized.equals(this.publicHost)) {
			violations.add(new FieldViolation("url", "must not point at this shortener (" + host + ")"));
		}
		else if (this.blockedHosts.contains(normalized)) {
			violations.add(new FieldViolation("url", "host " + host + " is not allowed"));
		}
	}

	private void checkAlias(String alias, List<FieldViolation> violations) {
		if (!isCodeShaped(alias)) {
			violations.add(new FieldViolation("alias", "must match [A-Za-z0-9_-]{3,32}"));
		}
		else if (isReserved(alias)) {
			violations.add(new FieldViolation("alias", "'" + alias + "' is reserved"));
		}
		else if (Base62.isCode(alias)) {
			violations.add(new FieldViolation("alias",
					"7 letters and digits only is the shape of generated codes; use another length or add - or _"));
		}
	}

	/**
	 * {@code [A-Za-z0-9_-]{3,32}}, checked by hand: the redirect path asks this of every
	 * request, and a regex matcher costs an allocation and ~1 % of its CPU.
	 */
	static boolean isCodeShaped(String code) {
		return code != null && isCodeShaped(code, 0);
	}

	/**
	 * Whether {@code text} from index {@code from} on is shaped like a code or alias
	 * ({@code [A-Za-z0-9_-]{3,32}}), without taking a substring.
	 */
	public static boolean isCodeShaped(String text, int from) {
		int length = text.length() - from;
		if (length < MIN_CODE || length > MAX_CODE) {
			return false;
		}
		for (int i = from; i < text.length(); i++) {
			char c = text.charAt(i);
			boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
					|| c == '-';
			if (!allowed) {
				return false;
			}
		}
		return true;
	}

	private boolean isReserved(String code) {
		return this.reservedWords.contains(code);
	}

	private static String normalizeHost(String host) {
		if (host == null) {
			return "";
		}
		String lower = host.toLowerCase(Locale.ROOT);
		return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
	}

}
