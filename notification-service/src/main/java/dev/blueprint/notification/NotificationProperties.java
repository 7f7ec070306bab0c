package dev.blueprint.notification;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every setting of notification-service, with its default.
 *
 * @param sessionLease how long a gateway session counts without a heartbeat (the same
 * value the gateways use)
 * @param deliveryRetries attempts to route a batch while Redis fails, one second apart;
 * after them the batch is skipped (recipients recover the messages from history by seq)
 */
@ConfigurationProperties("notification")
public record NotificationProperties(@DefaultValue("30s") Duration sessionLease,
		@DefaultValue("10") int deliveryRetries) {

}
