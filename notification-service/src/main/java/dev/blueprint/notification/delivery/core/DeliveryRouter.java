package dev.blueprint.notification.delivery.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import dev.blueprint.chat.contracts.ChatEvent.MessageRejected;
import dev.blueprint.chat.contracts.ChatEvent.ReceiptRecorded;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.GatewayDelivery.AckDelivery;
import dev.blueprint.chat.contracts.GatewayDelivery.ChatError;
import dev.blueprint.chat.contracts.GatewayDelivery.ChatMessage;
import dev.blueprint.chat.contracts.GatewayDelivery.ErrorDelivery;
import dev.blueprint.chat.contracts.GatewayDelivery.MessageAck;
import dev.blueprint.chat.contracts.GatewayDelivery.MessageDelivery;
import dev.blueprint.chat.contracts.GatewayDelivery.Receipt;
import dev.blueprint.chat.contracts.GatewayDelivery.ReceiptDelivery;

/**
 * Decides which gateway instance gets what for one chat event, given where each user's
 * sessions are. Pure: the caller looks the sessions up and publishes the result.
 * <ul>
 * <li>A stored message goes to every gateway holding a session of any recipient (the
 * sender included: their other devices show it), once per gateway with the list of its
 * users; the sender's gateways also get the ack.</li>
 * <li>A retry of a stored message only re-acks the sender.</li>
 * <li>A refusal goes to the gateway and session that sent the message (or receipt).</li>
 * <li>A recorded receipt goes to every gateway holding a session of another member; a
 * {@code read} one also to the reader's own gateways, for their other sessions (the one
 * that sent it is skipped).</li>
 * </ul>
 */
public final class DeliveryRouter {

	private DeliveryRouter() {
	}

	/**
	 * Routes an event.
	 * @param gatewaysByUser the gateways holding each online user's sessions (offline
	 * users are absent)
	 * @return deliveries per gateway id
	 */
	public static Map<String, List<GatewayDelivery>> route(ChatEvent event, Map<String, Set<String>> gatewaysByUser) {
		Map<String, List<GatewayDelivery>> deliveries = new LinkedHashMap<>();
		if (event instanceof MessagePersisted persisted) {
			if (!persisted.duplicate()) {
				Map<String, List<String>> usersByGateway = new LinkedHashMap<>();
				for (String recipient : persisted.recipients()) {
					for (String gateway : gatewaysByUser.getOrDefault(recipient, Set.of())) {
						usersByGateway.computeIfAbsent(gateway, (key) -> new ArrayList<>()).add(recipient);
					}
				}
				ChatMessage message = new ChatMessage(persisted.conversationId(), persisted.seq(),
						persisted.messageId(), persisted.senderId(), persisted.body(), persisted.sentAt());
				usersByGateway
					.forEach((gateway, users) -> add(deliveries, gateway, new MessageDelivery(users, message)));
			}
			MessageAck ack = new MessageAck(persisted.clientMessageId(), persisted.conversationId(), persisted.seq());
			for (String gateway : gatewaysByUser.getOrDefault(persisted.senderId(), Set.of())) {
				add(deliveries, gateway, new AckDelivery(List.of(persisted.senderId()), ack));
			}
		}
		else if (event instanceof ReceiptRecorded receipt) {
			Map<String, List<String>> usersByGateway = new LinkedHashMap<>();
			for (String recipient : usersOf(event)) {
				for (String gateway : gatewaysByUser.getOrDefault(recipient, Set.of())) {
					usersByGateway.computeIfAbsent(gateway, (key) -> new ArrayList<>()).add(recipient);
				}
			}
			String except = (receipt.origin() != null) ? receipt.origin().sessionId() : null;
			usersByGateway.forEach((gateway, users) -> add(deliveries, gateway,
					new ReceiptDelivery(users, receipt.payload(), except)));
		}
		else if (event instanceof MessageRejected rejected && rejected.origin() != null) {
			add(deliveries, rejected.origin().gatewayId(),
					new ErrorDelivery(rejected.senderId(), rejected.origin().sessionId(),
							new ChatError(rejected.code(), rejected.message(), rejected.clientMessageId())));
		}
		return deliveries;
	}

	/** The users whose sessions {@link #route} needs for this event. */
	public static List<String> usersOf(ChatEvent event) {
		if (event instanceof MessagePersisted persisted) {
			return persisted.duplicate() ? List.of(persisted.senderId()) : persisted.recipients();
		}
		if (event instanceof ReceiptRecorded receipt) {
			boolean read = Receipt.READ.equals(receipt.kind());
			return receipt.recipients().stream().filter((user) -> read || !user.equals(receipt.userId())).toList();
		}
		return List.of();
	}

	/** Recipients of a stored message with no live session anywhere. */
	public static List<String> offlineRecipients(ChatEvent event, Map<String, Set<String>> gatewaysByUser) {
		if (event instanceof MessagePersisted persisted && !persisted.duplicate()) {
			return persisted.recipients()
				.stream()
				.filter((user) -> !user.equals(persisted.senderId()) && !gatewaysByUser.containsKey(user))
				.toList();
		}
		return List.of();
	}

	private static void add(Map<String, List<GatewayDelivery>> deliveries, String gateway, GatewayDelivery delivery) {
		deliveries.computeIfAbsent(gateway, (key) -> new ArrayList<>()).add(delivery);
	}

}
