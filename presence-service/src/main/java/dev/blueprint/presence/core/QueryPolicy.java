package dev.blueprint.presence.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Whose presence a caller may read: the caller's own, and that of every user who shares a
 * conversation with the caller (a contact). Anyone else's is refused, so presence cannot
 * be used to watch strangers.
 */
public final class QueryPolicy {

	/** The user ids chat-message-service accepts. */
	private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@-]{1,128}");

	private QueryPolicy() {
	}

	/** Whether {@code userId} is a well-formed user id. */
	public static boolean validUserId(String userId) {
		return userId != null && USER_ID.matcher(userId).matches();
	}

	/**
	 * The requested users the caller may not see, in request order.
	 * @param caller who asks
	 * @param contacts the caller's contacts
	 * @param requested whose presence is asked for
	 */
	public static List<String> refused(String caller, Set<String> contacts, Collection<String> requested) {
		List<String> refused = new ArrayList<>();
		for (String user : requested) {
			if (!user.equals(caller) && !contacts.contains(user) && !refused.contains(user)) {
				refused.add(user);
			}
		}
		return refused;
	}

}
