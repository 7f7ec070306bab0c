package dev.blueprint.chat.gateway.stomp;

import dev.blueprint.chat.contracts.GatewayDelivery.ChatError;

import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.SimpMessageType;
import org.springframework.messaging.simp.SimpMessagingTemplate;
import org.springframework.messaging.simp.user.SimpSession;
import org.springframework.messaging.simp.user.SimpUser;
import org.springframework.messaging.simp.user.SimpUserRegistry;

/** Sends to a user's queues: to all of the user's sessions here, or to one session. */
public class ClientFrames {

	public static final String MESSAGES = "/queue/messages";

	public static final String ACKS = "/queue/acks";

	public static final String ERRORS = "/queue/errors";

	public static final String PRESENCE = "/queue/presence";

	public static final String TYPING = "/queue/typing";

	public static final String RECEIPTS = "/queue/receipts";

	private final SimpMessagingTemplate messaging;

	private final SimpUserRegistry users;

	public ClientFrames(SimpMessagingTemplate messaging, SimpUserRegistry users) {
		this.messaging = messaging;
		this.users = users;
	}

	/** Whether {@code user} has a session on this gateway. */
	public boolean holds(String user) {
		return this.users.getUser(user) != null;
	}

	/**
	 * To every session of {@code user} on this gateway. Sessions are resolved here and
	 * each gets the frame on its own broker destination
	 * ({@code /queue/x-user<sessionId>}, where its {@code /user/queue/x} subscription
	 * lives), so the frames keep the order they were sent in.
	 */
	public void toUser(String user, String queue, Object payload) {
		SimpUser connected = this.users.getUser(user);
		if (connected == null) {
			return;
		}
		for (SimpSession session : connected.getSessions()) {
			toSession(user, session.getId(), queue, payload);
		}
	}

	/**
	 * To every session of {@code user} on this gateway but {@code exceptSessionId}
	 * ({@code null}: all).
	 */
	public void toUserExcept(String user, String exceptSessionId, String queue, Object payload) {
		SimpUser connected = this.users.getUser(user);
		if (connected == null) {
			return;
		}
		for (SimpSession session : connected.getSessions()) {
			if (!session.getId().equals(exceptSessionId)) {
				toSession(user, session.getId(), queue, payload);
			}
		}
	}

	/**
	 * To every session on this gateway.
	 * @return the number of sessions
	 */
	public int toEveryone(String queue, Object payload) {
		int sessions = 0;
		for (SimpUser user : this.users.getUsers()) {
			for (SimpSession session : user.getSessions()) {
				toSession(user.getName(), session.getId(), queue, payload);
				sessions++;
			}
		}
		return sessions;
	}

	/** To one session of {@code user}. */
	public void toSession(String user, String sessionId, String queue, Object payload) {
		this.messaging.convertAndSend(queue + "-user" + sessionId, payload, sessionHeaders(sessionId));
	}

	/** An error frame on {@code /user/queue/errors} of one session. */
	public void error(String user, String sessionId, String code, String message, String clientMessageId) {
		toSession(user, sessionId, ERRORS, new ChatError(code, message, clientMessageId));
	}

	private static MessageHeaders sessionHeaders(String sessionId) {
		SimpMessageHeaderAccessor accessor = SimpMessageHeaderAccessor.create(SimpMessageType.MESSAGE);
		accessor.setSessionId(sessionId);
		accessor.setLeaveMutable(true);
		return accessor.getMessageHeaders();
	}

}
