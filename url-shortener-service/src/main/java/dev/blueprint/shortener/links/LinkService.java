package dev.blueprint.shortener.links;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.servererrors.BootstrappingException;
import com.datastax.oss.driver.api.core.servererrors.OverloadedException;
import com.datastax.oss.driver.api.core.servererrors.QueryExecutionException;
import com.datastax.oss.driver.api.core.servererrors.ServerError;
import dev.blueprint.shortener.ShortenerProperties;
import dev.blueprint.shortener.cache.LinkResolver;
import dev.blueprint.shortener.cache.RedisLinkCache;
import dev.blueprint.shortener.clicks.ClickStats;
import dev.blueprint.shortener.ids.CodeGenerator;
import dev.blueprint.shortener.links.LinkExceptions.AliasTakenException;
import dev.blueprint.shortener.links.LinkExceptions.IdempotencyKeyInUseException;
import dev.blueprint.shortener.links.LinkExceptions.IdempotencyKeyMismatchException;
import dev.blueprint.shortener.links.LinkExceptions.InvalidLinkException;
import dev.blueprint.shortener.links.LinkExceptions.LinkNotFoundException;
import dev.blueprint.shortener.links.LinkExceptions.NotOwnerException;
import dev.blueprint.shortener.links.LinkExceptions.StoreUnavailableException;
import dev.blueprint.shortener.storage.CassandraClickStore.DailyClicks;
import dev.blueprint.shortener.storage.CassandraIdempotencyStore;
import dev.blueprint.shortener.storage.CassandraLinkStore;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * Creates, reads, lists and deletes links. Cassandra is the source of truth; the caches
 * are written through on create and invalidated on delete. Every Cassandra call goes
 * through the {@code cassandra} circuit breaker, the one the redirect path's reads use:
 * while it is open, a create, delete, lookup or listing is a 503 at once, before anything
 * is sent (so nothing was written), instead of a request thread held for the driver's
 * timeout (10 s for a write) on a hung Cassandra.
 */
public class LinkService {

	private final LinkRules rules;

	private final CodeGenerator codes;

	private final CassandraLinkStore links;

	private final ClickStats clicks;

	private final CassandraIdempotencyStore idempotency;

	private final RedisLinkCache cache;

	private final LinkResolver resolver;

	private final JsonMapper json;

	private final Clock clock;

	private final ShortenerProperties properties;

	private final MeterRegistry meters;

	private final CircuitBreaker cassandra;

	public LinkService(LinkRules rules, CodeGenerator codes, CassandraLinkStore links, ClickStats clicks,
			CassandraIdempotencyStore idempotency, RedisLinkCache cache, LinkResolver resolver, JsonMapper json,
			Clock clock, ShortenerProperties properties, MeterRegistry meters, CircuitBreaker cassandra) {
		this.rules = rules;
		this.codes = codes;
		this.links = links;
		this.clicks = clicks;
		this.idempotency = idempotency;
		this.cache = cache;
		this.resolver = resolver;
		this.json = json;
		this.clock = clock;
		this.properties = properties;
		this.meters = meters;
		this.cassandra = cassandra;
	}

	/**
	 * Creates a link.
	 * @param request the body
	 * @param owner JWT subject, or {@code null} for an anonymous create
	 * @param clientAddress the caller's address (scopes anonymous idempotency keys)
	 * @param idempotencyKey the {@code Idempotency-Key} header, or {@code null}
	 */
	public LinkCreated create(CreateLinkRequest request, String owner, String clientAddress, String idempotencyKey) {
		String kind = (request.alias() != null) ? "alias" : "generated";
		Instant now = this.clock.instant().truncatedTo(ChronoUnit.MILLIS);
		List<FieldViolation> violations = this.rules.check(request.url(), request.alias(), request.expiresAt(),
				request.redirectType(), now);
		if (!violations.isEmpty()) {
			count(kind, "invalid");
			throw new InvalidLinkException(violations);
		}
		// stored, returned and redirected to in the form a Location header can carry
		String url = LinkRules.toAscii(request.url());
		if (idempotencyKey == null) {
			return store(request, url, owner, now, kind);
		}
		String scopedKey = ((owner != null) ? "user:" + owner : "ip:" + clientAddress) + "|" + idempotencyKey;
		String hash = hash(request);
		CassandraIdempotencyStore.Existing existing = stored(
				() -> this.idempotency.reserve(scopedKey, hash, this.properties.idempotency().pendingTtl()));
		if (existing != null) {
			if (existing.requestHash() == null) {
				// a record of an older version whose hash expired before its response:
				// nothing to compare with, as while a request runs
				count(kind, "idempotency_in_progress");
				throw new IdempotencyKeyInUseException();
			}
			if (!existing.requestHash().equals(hash)) {
				count(kind, "idempotency_mismatch");
				throw new IdempotencyKeyMismatchException();
			}
			if (existing.response() == null) {
				count(kind, "idempotency_in_progress");
				throw new IdempotencyKeyInUseException();
			}
			count(kind, "replayed");
			return this.json.readValue(existing.response(), LinkCreated.class);
		}
		LinkCreated created;
		try {
			created = store(request, url, owner, now, kind);
		}
		catch (RuntimeException ex) {
			if (isOutcomeUnknown(ex)) {
				// the link may exist: a retry with this key is refused as in progress
				// until the reservation expires (pendingTtl), not run a second time
				throw ex;
			}
			try {
				// through the breaker: refused at once while it is open (Cassandra hung),
				// instead of holding the request thread for the write's timeout
				stored(() -> {
					this.idempotency.release(scopedKey, hash);
					return null;
				});
			}
			catch (RuntimeException releaseFailure) {
				// the reservation expires after pendingTtl
				ex.addSuppressed(releaseFailure);
			}
			throw ex;
		}
		try {
			this.idempotency.complete(scopedKey, hash, this.json.writeValueAsString(created),
					this.properties.idempotency().ttl());
		}
		catch (RuntimeException ex) {
			// the link exists; only the replay record is missing, and the reservation
			// expires after pendingTtl
		}
		return created;
	}

	private LinkCreated store(CreateLinkRequest request, String url, String owner, Instant now, String kind) {
		int redirectType = (request.redirectType() != null) ? request.redirectType() : 302;
		Duration ttl = (request.expiresAt() != null)
				? Duration.between(now, request.expiresAt()).plus(this.properties.links().expiredRetention()) : null;
		if (request.alias() != null) {
			Link link = new Link(request.alias(), url, now, request.expiresAt(), owner, redirectType);
			boolean claimed = stored(() -> this.links.insertIfAbsent(link, ttl));
			if (!claimed) {
				count(kind, "alias_taken");
				throw new AliasTakenException(request.alias());
			}
			return created(link, kind);
		}
		Link link = stored(() -> {
			Link generated = new Link(generatedCode(), url, now, request.expiresAt(), owner, redirectType);
			this.links.insert(generated, ttl);
			return generated;
		});
		return created(link, kind);
	}

	private LinkCreated created(Link link, String kind) {
		this.cache.put(link.code(), link.target());
		this.resolver.evictLocally(link.code());
		count(kind, "created");
		return new LinkCreated(link.code(), shortUrl(link.code()), link.url(), link.createdAt(), link.expiresAt(),
				link.redirectType());
	}

	/**
	 * Metadata and click counts of a link: those of the UTC days from its creation day
	 * on. Counters carry no TTL, so an alias claimed again after the previous link's row
	 * expired shares that link's partition; its earlier days are not this link's clicks.
	 */
	public LinkDetails details(String code, String caller) {
		if (!this.rules.isPossibleCode(code)) {
			throw new LinkNotFoundException(code);
		}
		Link link = stored(() -> this.links.find(code)).orElseThrow(() -> new LinkNotFoundException(code));
		LocalDate created = LocalDate.ofInstant(link.createdAt(), ZoneOffset.UTC);
		List<DailyClicks> days = stored(() -> this.clicks.read(code)).stream()
			.filter((day) -> !day.day().isBefore(created))
			.toList();
		long total = days.stream().mapToLong(DailyClicks::clicks).sum();
		boolean mine = caller != null && caller.equals(link.owner());
		return new LinkDetails(link.code(), shortUrl(link.code()), link.url(), link.createdAt(), link.expiresAt(),
				link.redirectType(), link.expiredAt(this.clock.instant()), mine ? link.owner() : null,
				new LinkDetails.Clicks(total,
						days.stream().map((day) -> new LinkDetails.Day(day.day(), day.clicks())).toList()));
	}

	/** Deletes a link of {@code caller}. */
	public void delete(String code, String caller) {
		if (!this.rules.isPossibleCode(code)) {
			throw new LinkNotFoundException(code);
		}
		Optional<Link> found = stored(() -> this.links.find(code));
		if (found.isEmpty()) {
			// an earlier delete may have timed out (503) and been applied later, with
			// the caches still holding the link: invalidate again
			invalidate(code);
			throw new LinkNotFoundException(code);
		}
		Link link = found.get();
		if (link.owner() == null || !link.owner().equals(caller)) {
			throw new NotOwnerException(code);
		}
		try {
			stored(() -> {
				this.links.delete(link);
				return null;
			});
		}
		finally {
			// Cassandra first, then the caches: a loader that read the old row holds a
			// lease that this invalidation voids. Also when the delete failed: a batch
			// that timed out may still apply, and an extra invalidation costs a reload
			invalidate(code);
		}
		this.clicks.delete(code);
		this.meters.counter("blueprint.shortener.links.deletes").increment();
	}

	private void invalidate(String code) {
		this.cache.invalidate(code);
		this.resolver.evictLocally(code);
	}

	/**
	 * The next generated code that can be redirected: one spelling a reserved word in any
	 * case (`webjars` has 128) would be answered 404 for good, so it is skipped.
	 */
	private String generatedCode() {
		String code = this.codes.nextCode();
		while (!this.rules.isPossibleCode(code)) {
			code = this.codes.nextCode();
		}
		return code;
	}

	/** A page of the caller's links, newest first. */
	public LinkPage list(String owner, Integer size, String cursor) {
		int pageSize = (size == null) ? this.properties.links().defaultPageSize() : size;
		if (pageSize < 1 || pageSize > this.properties.links().maxPageSize()) {
			throw new InvalidLinkException(List
				.of(new FieldViolation("size", "must be between 1 and " + this.properties.links().maxPageSize())));
		}
		CassandraLinkStore.Page page;
		try {
			page = stored(() -> this.links.listByOwner(owner, pageSize, cursor));
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidLinkException(List.of(new FieldViolation("cursor", "is not a cursor of this listing")));
		}
		Instant now = this.clock.instant();
		return new LinkPage(page.links()
			.stream()
			.map((link) -> new LinkPage.Item(link.code(), shortUrl(link.code()), link.url(), link.createdAt(),
					link.expiresAt(), link.redirectType(), link.expiredAt(now)))
			.toList(), page.nextCursor());
	}

	String shortUrl(String code) {
		String base = this.properties.publicBaseUrl().toString();
		return (base.endsWith("/") ? base : base + "/") + code;
	}

	private void count(String kind, String outcome) {
		this.meters.counter("blueprint.shortener.links.creates", "kind", kind, "outcome", outcome).increment();
	}

	private static String hash(CreateLinkRequest request) {
		String canonical = request.url() + "\n" + Optional.ofNullable(request.alias()).orElse("") + "\n"
				+ Optional.ofNullable(request.expiresAt()).map(Instant::toString).orElse("") + "\n"
				+ Optional.ofNullable(request.redirectType()).orElse(302);
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Whether a failed create may have stored its link all the same. */
	private static boolean isOutcomeUnknown(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof CassandraLinkStore.WriteOutcomeUnknownException) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether a Cassandra driver failure (or the {@code cassandra} circuit breaker being
	 * open) means "unavailable now, retry later": also a coordinator that is overloaded,
	 * still bootstrapping or failed inside (a server error), which were 500s until
	 * 2026-12-07 (with one node, the driver has no other to retry on).
	 */
	public static boolean isUnavailable(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof AllNodesFailedException || cause instanceof DriverTimeoutException
					|| cause instanceof QueryExecutionException || cause instanceof ClosedConnectionException
					|| cause instanceof OverloadedException || cause instanceof BootstrappingException
					|| cause instanceof ServerError || cause instanceof CallNotPermittedException) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Runs a Cassandra operation through the {@code cassandra} circuit breaker; a driver
	 * failure, or the breaker refusing the call, becomes a
	 * {@link StoreUnavailableException} (503 with Retry-After).
	 */
	private <T> T stored(Supplier<T> operation) {
		try {
			return this.cassandra.executeSupplier(operation);
		}
		catch (IllegalArgumentException ex) {
			// the caller's mistake (a cursor Cassandra failed on), whatever its cause
			throw ex;
		}
		catch (RuntimeException ex) {
			if (isUnavailable(ex)) {
				throw new StoreUnavailableException(ex);
			}
			throw ex;
		}
	}

}
