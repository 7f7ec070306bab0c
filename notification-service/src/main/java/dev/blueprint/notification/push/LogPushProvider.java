package dev.blueprint.notification.push;

import dev.blueprint.chat.contracts.PushDeadLettered.Push;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each push to the log instead of sending it: for local runs ({@code ./suite up}
 * uses it unless {@code NOTIFICATION_PUSH_PROVIDER} is set) and tests. Never fails.
 */
public class LogPushProvider implements PushProvider {

	private static final Logger logger = LoggerFactory.getLogger(LogPushProvider.class);

	@Override
	public String name() {
		return "log";
	}

	@Override
	public void send(Push push) {
		logger.info("Push to {}: {} new message(s) in conversation {} up to seq {} (notification {})", push.userId(),
				push.count(), push.conversationId(), push.latestSeq(), push.notificationId());
	}

}
