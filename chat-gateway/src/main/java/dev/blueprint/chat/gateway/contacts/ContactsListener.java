package dev.blueprint.chat.gateway.contacts;

import java.util.Set;

/**
 * Told by {@link ContactBook} when a read of a user's conversations changed whom the user
 * watches: pushes of a contact's presence changes reach the user only once the gateway
 * knows the contact, so a change just before was pushed to no one.
 */
public interface ContactsListener {

	/** Tells nothing. */
	ContactsListener NONE = new ContactsListener() {
	};

	/**
	 * A read found contacts the user did not have (a conversation created or joined since
	 * the user's previous read), after the index has them.
	 * @param added the new contacts, not the user
	 */
	default void added(String user, Set<String> added) {
	}

	/**
	 * The first successful read of the user's conversations since their first session
	 * here connected, after the index has them.
	 * @param contacts every contact, not the user
	 * @param connectedAt when the user's first session here connected
	 * ({@link System#nanoTime()})
	 * @param indexedAt when the index had the contacts ({@link System#nanoTime()}):
	 * changes received from then on were pushed to the user
	 */
	default void loaded(String user, Set<String> contacts, long connectedAt, long indexedAt) {
	}

}
