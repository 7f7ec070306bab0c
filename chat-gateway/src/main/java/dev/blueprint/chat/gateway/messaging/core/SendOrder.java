package dev.blueprint.chat.gateway.messaging.core;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Keeps a session's messages to a conversation in the order the session sent them when
 * one of them is refused for now ({@code rate-limited}, {@code retry}). Frames that were
 * already on their way when the refusal was sent would otherwise be taken if a token came
 * back meanwhile, and stored before the refused one once the client sends it again. So
 * after such a refusal the session's later messages to that conversation are held
 * (refused with the same code) until the refused message comes again, which lifts the
 * hold, or until {@code hold} has passed: long enough for the frames that were on their
 * way to arrive, and no longer, so that a client that gave the message up is not blocked.
 * Per session: order across a user's devices is not defined. Framework-free; the gateway
 * forgets a session's holds when it closes.
 */
public final class SendOrder {

	/** A refused message the session's later messages to its conversation wait for. */
	public record Hold(String clientMessageId, String code, long sinceNanos) {
	}

	private final Map<String, Map<String, Hold>> holds = new ConcurrentHashMap<>();

	private final long holdNanos;

	private final LongSupplier nanoTime;

	public SendOrder(Duration hold) {
		this(hold, System::nanoTime);
	}

	public SendOrder(Duration hold, LongSupplier nanoTime) {
		if (hold.isNegative() || hold.isZero()) {
			throw new IllegalArgumentException("the hold must be positive, was " + hold);
		}
		this.holdNanos = hold.toNanos();
		this.nanoTime = nanoTime;
	}

	/**
	 * The refused message a send of {@code clientMessageId} must wait for, if any. A send
	 * of the refused message itself lifts the hold (and is not held), as does the end of
	 * the hold's time.
	 */
	public Optional<Hold> holding(String sessionId, String conversationId, String clientMessageId) {
		Map<String, Hold> session = this.holds.get(sessionId);
		Hold hold = (session != null) ? session.get(conversationId) : null;
		if (hold == null) {
			return Optional.empty();
		}
		if (hold.clientMessageId().equals(clientMessageId)
				|| this.nanoTime.getAsLong() - hold.sinceNanos() >= this.holdNanos) {
			session.remove(conversationId, hold);
			return Optional.empty();
		}
		return Optional.of(hold);
	}

	/**
	 * A message was refused for now: the session's later messages to the conversation
	 * wait for it, unless they already wait for an earlier one (whose hold has not
	 * ended).
	 */
	public void refused(String sessionId, String conversationId, String clientMessageId, String code) {
		long now = this.nanoTime.getAsLong();
		this.holds.computeIfAbsent(sessionId, (id) -> new ConcurrentHashMap<>())
			.compute(conversationId, (id, earlier) -> (earlier != null && now - earlier.sinceNanos() < this.holdNanos)
					? earlier : new Hold(clientMessageId, code, now));
	}

	/**
	 * A message was taken after all (a later send of it reached Kafka): a hold for it,
	 * set by an earlier send's failure that came late, is lifted.
	 */
	public void taken(String sessionId, String conversationId, String clientMessageId) {
		Map<String, Hold> session = this.holds.get(sessionId);
		if (session != null) {
			session.computeIfPresent(conversationId,
					(id, hold) -> hold.clientMessageId().equals(clientMessageId) ? null : hold);
		}
	}

	/** The session closed: its holds go with it (a new session starts unheld). */
	public void closed(String sessionId) {
		this.holds.remove(sessionId);
	}

	/** Sessions holding anything. */
	public int sessions() {
		return this.holds.size();
	}

}
