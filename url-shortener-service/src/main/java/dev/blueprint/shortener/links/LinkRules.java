package dev.blueprint.shortener.links;

import java.net.IDN;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
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

	private static final char[] HEX = "0123456789ABCDEF".toCharArray();

	private final String publicHost;

	private final int maxUrlLength;

	private final Set<String> blockedHosts;

	private final Set<String> reservedWords;

	private final UnaryOperator<Instant> latestExpiresAt;

	/**
	 * @param publicBaseUrl base of this service's short URLs; its host is refused as a
	 * target
	 * @param maxUrlLength longest accepted URL, in its ASCII form ({@link #toAscii})
	 * @param blockedHosts other refused target hosts
	 * @param reservedWords refused aliases (ignoring case)
	 * @param latestExpiresAt the latest {@code expiresAt} storage can honour for a link
	 * created at the given instant
	 */
	public LinkRules(URI publicBaseUrl, int maxUrlLength, List<String> blockedHosts, List<String> reservedWords,
			UnaryOperator<Instant> latestExpiresAt) {
		this.publicHost = normalizeHost(publicBaseUrl.getHost());
		this.maxUrlLength = maxUrlLength;
		// Targets are compared in their ASCII form, so a host listed in Unicode must be
		// too. "*.evil.example" and ".evil.example" mean what "evil.example" does: the
		// domain and its subdomains.
		this.blockedHosts = blockedHosts.stream()
			.map((host) -> host.startsWith("*.") ? host.substring(2) : host.startsWith(".") ? host.substring(1) : host)
			.map(LinkRules::asciiHost)
			.collect(Collectors.toSet());
		// compared ignoring case without lower-casing each redirect's code
		this.reservedWords = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
		this.reservedWords.addAll(reservedWords);
		this.latestExpiresAt = latestExpiresAt;
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
		if (expiresAt != null) {
			checkExpiresAt(expiresAt, now, violations);
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
		String ascii;
		try {
			ascii = ascii(url);
		}
		catch (URISyntaxException ex) {
			violations.add(new FieldViolation("url", "is not a valid URI: " + ex.getReason()));
			return;
		}
		// the form that is stored and sent as Location is what the limit protects
		if (ascii.length() > this.maxUrlLength) {
			violations.add(new FieldViolation("url", "must be at most " + this.maxUrlLength + " characters"
					+ (ascii.equals(url) ? "" : " once non-ASCII characters are encoded")));
			return;
		}
		URI uri;
		try {
			uri = new URI(ascii);
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
		if (uri.getRawUserInfo() != null) {
			// https://bank.example@evil.example/ reads as the bank's; a password would be
			// shown to anyone by GET /api/v1/urls/{code}
			violations.add(new FieldViolation("url", "must not contain a user name or password (user@host)"));
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
		else if (blocked(normalized)) {
			violations.add(new FieldViolation("url", "host " + host + " is not allowed"));
		}
	}

	/**
	 * Whether a host is blocked: listed, or a subdomain of a listed one (a blocked
	 * {@code evil.example} blocks {@code www.evil.example}; until 2026-12-06 only the
	 * exact host was).
	 */
	private boolean blocked(String host) {
		String domain = host;
		while (true) {
			if (this.blockedHosts.contains(domain)) {
				return true;
			}
			int dot = domain.indexOf('.');
			if (dot < 0) {
				return false;
			}
			domain = domain.substring(dot + 1);
		}
	}

	/**
	 * Rejects an expiry the row TTL cannot reach: storage would cut the link's life short
	 * (or refuse the write) instead of keeping it until then.
	 */
	private void checkExpiresAt(Instant expiresAt, Instant now, List<FieldViolation> violations) {
		if (!expiresAt.isAfter(now)) {
			violations.add(new FieldViolation("expiresAt", "must be in the future"));
			return;
		}
		Instant latest = this.latestExpiresAt.apply(now);
		if (expiresAt.isAfter(latest)) {
			violations.add(
					new FieldViolation("expiresAt", "must be at most " + latest + ", the latest expiry storage keeps"));
		}
	}

	/**
	 * The form of a valid target URL that is stored, returned and sent as
	 * {@code Location}. Tomcat writes headers as ISO-8859-1 and drops one it cannot
	 * encode, so a non-ASCII target would redirect nowhere. As browsers do, an
	 * internationalized host becomes its IDNA ({@code xn--}) form and every other
	 * non-ASCII character its UTF-8 bytes as {@code %XX}; {@code %XX} escapes and ASCII
	 * characters stay as they are, so an ASCII URL is returned unchanged.
	 * @throws IllegalArgumentException when {@code url} is no URI or its host no valid
	 * domain name ({@link #check} says which)
	 */
	public static String toAscii(String url) {
		try {
			return ascii(url);
		}
		catch (URISyntaxException ex) {
			throw new IllegalArgumentException(ex.getMessage(), ex);
		}
	}

	private static String ascii(String url) throws URISyntaxException {
		if (isAscii(url)) {
			return url;
		}
		URI uri = new URI(url);
		String authority = uri.getRawAuthority();
		if (authority == null || isAscii(authority)) {
			return percentEncodeNonAscii(url, url);
		}
		// a non-ASCII host makes the authority registry-based: URI has no host for it
		int start = url.indexOf("//") + 2;
		int end = start + authority.length();
		int at = authority.lastIndexOf('@');
		String userInfo = authority.substring(0, at + 1);
		String hostAndPort = authority.substring(at + 1);
		int colon = hostAndPort.lastIndexOf(':');
		boolean hasPort = colon >= 0 && isDigits(hostAndPort.substring(colon + 1));
		String host = hasPort ? hostAndPort.substring(0, colon) : hostAndPort;
		String port = hasPort ? hostAndPort.substring(colon) : "";
		return url.substring(0, start) + percentEncodeNonAscii(userInfo, url) + idnHost(host, url) + port
				+ percentEncodeNonAscii(url.substring(end), url);
	}

	private static String idnHost(String host, String url) throws URISyntaxException {
		// java.net.IDN is IDNA 2003, which maps these to other letters (faß.de to
		// fass.de) where browsers keep them: it would redirect to another domain
		if (host.chars().anyMatch((c) -> c == '\u00DF' || c == '\u03C2' || c == '\u200C' || c == '\u200D')) {
			throw new URISyntaxException(url, "host " + host + " has \u00DF, \u03C2 or a zero-width joiner, "
					+ "which IDNA versions map to different domains; give its xn-- form");
		}
		try {
			return IDN.toASCII(host);
		}
		catch (IllegalArgumentException ex) {
			throw new URISyntaxException(url, "host " + host + " is not a valid internationalized domain name");
		}
	}

	private static String percentEncodeNonAscii(String text, String url) throws URISyntaxException {
		StringBuilder encoded = new StringBuilder(text.length() + 32);
		for (int i = 0; i < text.length();) {
			int c = text.codePointAt(i);
			i += Character.charCount(c);
			if (c < 0x80) {
				encoded.append((char) c);
			}
			else if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
				// an unpaired surrogate has no UTF-8 form
				throw new URISyntaxException(url, "has a character that is not Unicode text");
			}
			else {
				for (byte b : Character.toString(c).getBytes(StandardCharsets.UTF_8)) {
					encoded.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
				}
			}
		}
		return encoded.toString();
	}

	private static boolean isAscii(String text) {
		for (int i = 0; i < text.length(); i++) {
			if (text.charAt(i) >= 0x80) {
				return false;
			}
		}
		return true;
	}

	private static boolean isDigits(String text) {
		for (int i = 0; i < text.length(); i++) {
			if (text.charAt(i) < '0' || text.charAt(i) > '9') {
				return false;
			}
		}
		return true;
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

	private static String asciiHost(String host) {
		try {
			return normalizeHost(IDN.toASCII(host));
		}
		catch (IllegalArgumentException ex) {
			return normalizeHost(host);
		}
	}

	private static String normalizeHost(String host) {
		if (host == null) {
			return "";
		}
		String lower = host.toLowerCase(Locale.ROOT);
		return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
	}

}
