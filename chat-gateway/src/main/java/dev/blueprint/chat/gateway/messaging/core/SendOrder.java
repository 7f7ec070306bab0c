package dev.blueprint.chat.gateway.messaging.core;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>
 * Each send takes a {@link #position() position} as it is handled (a session's frames are
 * handled in order), so that a refusal that comes late ({@code retry} comes from a Kafka
 * callback, seconds after the send) still holds the messages sent after it. Per session:
 * order across a user's devices is not defined. Holds end with their session
 * ({@link #closed}) or their time ({@link #forgetEnded}, which also covers a refusal that
 * came after its session closed). One hold per conversation: when a message sent earlier
 * replaces a later one's hold and is then taken, the later one no longer holds (a client
 * that resends while its first send may still fail in Kafka; the web page waits 10 s for
 * an ack, longer than Kafka's 5 s delivery timeout). Framework-free.
 */
public final class SendOrder {

	/** A refused message, sent at {@code position}, that the later ones wait for. */
	public record Hold(String clientMessageId, String code, long position, long sinceNanos) {
	}

	private final Map<String, Map<String, Hold>> holds = new ConcurrentHashMap<>();

	private final AtomicLong positions = new AtomicLong();

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

	/** The position of a send being handled: later sends have higher positions. */
	public long position() {
		return this.positions.incrementAndGet();
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
		if (hold.clientMessageId().equals(clientMessageId) || ended(hold, this.nanoTime.getAsLong())) {
			lift(sessionId, conversationId, hold);
			return Optional.empty();
		}
		return Optional.of(hold);
	}

	/**
	 * The message sent at {@code position} was refused for now: the session's later
	 * messages to the conversation wait for it, unless they already wait for one sent
	 * before it (whose hold has not ended).
	 */
	public void refused(String sessionId, String conversationId, String clientMessageId, String code, long position) {
		long now = this.nanoTime.getAsLong();
		// All in one compute of the session's entry, so that a sweep or a lift
		// (which drop a session's map once it is empty) cannot drop the map this
		// hold goes into
		this.holds.compute(sessionId, (id, session) -> {
			Map<String, Hold> conversations = (session != null) ? session : new ConcurrentHashMap<>();
			conversations.compute(conversationId,
					(conversation, other) -> (other != null && other.position() < position && !ended(other, now))
							? other : new Hold(clientMessageId, code, position, now));
			return conversations;
		});
	}

	/**
	 * A message was taken after all (a later send of it reached Kafka): a hold for it,
	 * set by an earlier send's failure that came late, is lifted.
	 */
	public void taken(String sessionId, String conversationId, String clientMessageId) {
		Map<String, Hold> session = this.holds.get(sessionId);
		Hold hold = (session != null) ? session.get(conversationId) : null;
		if (hold != null && hold.clientMessageId().equals(clientMessageId)) {
			lift(sessionId, conversationId, hold);
		}
	}

	/**
	 * Removes this hold, if it is still the conversation's, and the session's map once
	 * empty.
	 */
	private void lift(String sessionId, String conversationId, Hold hold) {
		this.holds.computeIfPresent(sessionId, (id, session) -> {
			session.remove(conversationId, hold);
			return session.isEmpty() ? null : session;
		});
	}

	/** The session closed: its holds go with it (a new session starts unheld). */
	public void closed(String sessionId) {
		this.holds.remove(sessionId);
	}

	/** Forgets the holds whose time has ended, and the sessions left with none. */
	public void forgetEnded() {
		long now = this.nanoTime.getAsLong();
		for (String sessionId : this.holds.keySet()) {
			this.holds.computeIfPresent(sessionId, (id, session) -> {
				session.values().removeIf((hold) -> ended(hold, now));
				return session.isEmpty() ? null : session;
			});
		}
	}

	/**
	 * Sessions holding anything (a hold whose time has ended counts until
	 * {@link #forgetEnded}).
	 */
	public int sessions() {
		return this.holds.size();
	}

	private boolean ended(Hold hold, long now) {
		return now - hold.sinceNanos() >= this.holdNanos;
	}

}
