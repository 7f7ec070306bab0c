package dev.blueprint.chat.gateway.messaging.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
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
 * (refused with the same code) until the refused message comes again, which lifts its
 * hold, or until {@code hold} has passed: long enough for the frames that were on their
 * way to arrive, and no longer, so that a client that gave the message up is not blocked.
 * <p>
 * Each send takes a {@link #position() position} as it is handled (a session's frames are
 * handled in order), so that a refusal that comes late ({@code retry} comes from a Kafka
 * callback, seconds after the send) still holds the messages sent after it, and not those
 * sent before it. A conversation keeps every refused message's hold, up to
 * {@code maxHolds} (the ones sent first), so a message is held while any message sent
 * before it waits, whatever order their refusals came in. Per session: order across a
 * user's devices is not defined. Holds end with their session ({@link #closed}) or their
 * time ({@link #forgetEnded}, which also covers a refusal that came after its session
 * closed). A held message sets no hold of its own: the client sends it again after the
 * one it waits for, in the order it sent them. Framework-free.
 */
public final class SendOrder {

	/** A refused message, sent at {@code position}, that the later ones wait for. */
	public record Hold(String clientMessageId, String code, long position, long sinceNanos) {
	}

	private static final Comparator<Hold> SENT_FIRST = Comparator.comparingLong(Hold::position);

	/**
	 * Session → conversation → holds sent first to last. An inner map is only read or
	 * written inside a compute of its session's entry, which serializes them.
	 */
	private final Map<String, Map<String, List<Hold>>> holds = new ConcurrentHashMap<>();

	private final AtomicLong positions = new AtomicLong();

	private final long holdNanos;

	private final int maxHolds;

	private final LongSupplier nanoTime;

	public SendOrder(Duration hold, int maxHolds) {
		this(hold, maxHolds, System::nanoTime);
	}

	public SendOrder(Duration hold, int maxHolds, LongSupplier nanoTime) {
		if (hold.isNegative() || hold.isZero()) {
			throw new IllegalArgumentException("the hold must be positive, was " + hold);
		}
		if (maxHolds < 1) {
			throw new IllegalArgumentException("a conversation must keep at least one hold, was " + maxHolds);
		}
		this.holdNanos = hold.toNanos();
		this.maxHolds = maxHolds;
		this.nanoTime = nanoTime;
	}

	/** The position of a send being handled: later sends have higher positions. */
	public long position() {
		return this.positions.incrementAndGet();
	}

	/**
	 * The refused message that a send of {@code clientMessageId} at {@code position} must
	 * wait for, if any: the first one sent before it (before its own refused send, when
	 * it is a refused message coming again) whose hold has not ended. A send that waits
	 * for nothing lifts its own message's holds.
	 */
	public Optional<Hold> holding(String sessionId, String conversationId, String clientMessageId, long position) {
		if (!this.holds.containsKey(sessionId)) {
			return Optional.empty();
		}
		long now = this.nanoTime.getAsLong();
		List<Hold> waitsFor = new ArrayList<>(1);
		this.holds.computeIfPresent(sessionId, (id, session) -> {
			List<Hold> live = live(session.get(conversationId), now);
			long sent = live.stream()
				.filter((hold) -> hold.clientMessageId().equals(clientMessageId))
				.mapToLong(Hold::position)
				.min()
				.orElse(position);
			live.stream()
				.filter((hold) -> hold.position() < sent && !hold.clientMessageId().equals(clientMessageId))
				.findFirst()
				.ifPresentOrElse(waitsFor::add,
						() -> live.removeIf((hold) -> hold.clientMessageId().equals(clientMessageId)));
			return keep(session, conversationId, live);
		});
		return waitsFor.stream().findFirst();
	}

	/**
	 * The message sent at {@code position} was refused for now: the session's messages to
	 * the conversation sent after it wait for it. Beyond {@code maxHolds} live holds in
	 * the conversation, the one sent last is dropped.
	 */
	public void refused(String sessionId, String conversationId, String clientMessageId, String code, long position) {
		long now = this.nanoTime.getAsLong();
		// In one compute of the session's entry, so that a sweep or a lift (which
		// drop a session's map once it is empty) cannot drop the map it goes into
		this.holds.compute(sessionId, (id, session) -> {
			Map<String, List<Hold>> conversations = (session != null) ? session : new HashMap<>();
			List<Hold> live = live(conversations.get(conversationId), now);
			live.add(new Hold(clientMessageId, code, position, now));
			live.sort(SENT_FIRST);
			while (live.size() > this.maxHolds) {
				live.remove(live.size() - 1);
			}
			return keep(conversations, conversationId, live);
		});
	}

	/**
	 * A message was taken after all (a later send of it reached Kafka): its holds, set by
	 * an earlier send's failure that came late, are lifted.
	 */
	public void taken(String sessionId, String conversationId, String clientMessageId) {
		if (!this.holds.containsKey(sessionId)) {
			return;
		}
		long now = this.nanoTime.getAsLong();
		this.holds.computeIfPresent(sessionId, (id, session) -> {
			List<Hold> live = live(session.get(conversationId), now);
			live.removeIf((hold) -> hold.clientMessageId().equals(clientMessageId));
			return keep(session, conversationId, live);
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
				for (String conversationId : List.copyOf(session.keySet())) {
					keep(session, conversationId, live(session.get(conversationId), now));
				}
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

	/** The holds that have not ended, sent first to last, in a list of one's own. */
	private List<Hold> live(List<Hold> holds, long now) {
		List<Hold> live = new ArrayList<>((holds != null) ? holds.size() + 1 : 1);
		if (holds != null) {
			for (Hold hold : holds) {
				if (now - hold.sinceNanos() < this.holdNanos) {
					live.add(hold);
				}
			}
		}
		return live;
	}

	/**
	 * Stores a conversation's holds, or removes it when it has none; the session's map,
	 * or null (which removes the session) when it is left empty.
	 */
	private static Map<String, List<Hold>> keep(Map<String, List<Hold>> session, String conversationId,
			List<Hold> holds) {
		if (holds.isEmpty()) {
			session.remove(conversationId);
		}
		else {
			session.put(conversationId, List.copyOf(holds));
		}
		return session.isEmpty() ? null : session;
	}

}
