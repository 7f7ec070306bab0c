package dev.blueprint.chat.gateway;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Every {@code gateway.*} limit at its edges. The properties are bound as the service
 * binds them, from settings with every other one at its default.
 */
class GatewayPropertiesTests {

	/**
	 * The properties bound from {@code gateway.*} settings (name, value pairs; a null
	 * value leaves the setting out), {@code gateway.id} {@code gw-1} unless given; a
	 * setting the record refuses is rethrown as the record threw it.
	 */
	private static GatewayProperties bind(String... settings) {
		Map<String, String> values = new HashMap<>();
		values.put("gateway.id", "gw-1");
		for (int i = 0; i < settings.length; i += 2) {
			if (settings[i + 1] != null) {
				values.put("gateway." + settings[i], settings[i + 1]);
			}
			else {
				values.remove("gateway." + settings[i]);
			}
		}
		try {
			return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("gateway",
					GatewayProperties.class);
		}
		catch (BindException ex) {
			for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
				if (cause instanceof IllegalArgumentException refused) {
					throw refused;
				}
			}
			throw ex;
		}
	}

	@Test
	void theDefaultsAreValid() {
		GatewayProperties defaults = bind();
		assertThat(defaults.maxBodyBytes()).isEqualTo(4096);
		assertThat(defaults.maxFrameSize()).isEqualTo(DataSize.ofKilobytes(32));
		assertThat(defaults.clientSilenceTimeout()).isEqualTo(Duration.ofSeconds(60));
		assertThat(defaults.presenceQueue()).isEqualTo(10_000);
		assertThat(defaults.deliveryQueue()).isEqualTo(10_000);
		assertThat(defaults.presenceRecentChanges()).isEqualTo(100_000);
	}

	@Test
	void theFrameLimitMustLeaveRoomForAFullBodyEscapedAndItsFrame() {
		int smallest = 7 * (4096 + 64) + 1024;
		assertThat(bind("max-frame-size", smallest + "B", "message-buffer-size", "4KB").maxFrameSize())
			.isEqualTo(DataSize.ofBytes(smallest));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> bind("max-frame-size", (smallest - 1) + "B", "message-buffer-size", "4KB"))
			.withMessage("gateway.max-frame-size (30143B) must be at least 30144B: 7 × (gateway.max-body-bytes (4096) "
					+ "+ gateway.max-client-message-id-length (64)) + 1KB, or a body within its limit, JSON-escaped, "
					+ "could not be sent");
	}

	@Test
	void theMessageBufferIsFromOneKiBToTheFrameLimit() {
		for (String size : List.of("1024B", "32KB")) {
			assertThat(bind("message-buffer-size", size).messageBufferSize()).isEqualTo(DataSize.parse(size));
		}
		assertThatIllegalArgumentException().isThrownBy(() -> bind("message-buffer-size", "1023B"))
			.withMessage(
					"gateway.message-buffer-size must be from 1024B to gateway.max-frame-size (32768B), was 1023B");
		assertThatIllegalArgumentException().isThrownBy(() -> bind("message-buffer-size", "32769B"));
	}

	@Test
	void theHeartbeatMustBeUnderHalfTheLease() {
		assertThat(bind("heartbeat", "14999ms").heartbeat()).isEqualTo(Duration.ofMillis(14_999));
		assertThatIllegalArgumentException().isThrownBy(() -> bind("heartbeat", "15s"))
			.withMessageContaining("gateway.heartbeat (PT15S) must be under half of gateway.session-lease (PT30S)");
	}

	@Test
	void theIdIsOneThatSessionEntriesCanCarry() {
		assertThat(bind("id", "chat-gateway-5d8f9c7b4-x2x9z").id()).isEqualTo("chat-gateway-5d8f9c7b4-x2x9z");
		assertThatIllegalArgumentException().isThrownBy(() -> bind("id", "gw|1"))
			.withMessageStartingWith("gateway.id (CHAT_GATEWAY_ID) must be 1-128 of letters, digits");
		assertThatIllegalArgumentException().isThrownBy(() -> bind("id", "x".repeat(129)));
	}

	@Test
	void theSilenceTimeoutByDefaultIsAMinuteOrLongerWithLongerHeartBeats() {
		assertThat(bind("client-silence-timeout", "0s").clientSilenceTimeout()).isEqualTo(Duration.ofSeconds(60));
		assertThat(bind("session-lease", "60s", "heartbeat", "20s").clientSilenceTimeout()).as("heart-beats of 20 s")
			.isEqualTo(Duration.ofSeconds(70));
	}

	@Test
	void aSilentClientIsClosedOnlyAfterMoreThanThreeHeartBeats() {
		assertThat(bind("client-silence-timeout", "30001ms").clientSilenceTimeout()).hasMillis(30_001);
		assertThatIllegalArgumentException().isThrownBy(() -> bind("client-silence-timeout", "30s"))
			.withMessageStartingWith("gateway.client-silence-timeout (PT30S) must be at least 1s and longer than "
					+ "three gateway.heartbeat intervals (PT10S)");
	}

	@Test
	void theSubscriptionCacheHoldsAtLeastOneDestination() {
		assertThat(bind("subscription-cache-limit", "1").subscriptionCacheLimit()).isEqualTo(1);
		assertThatIllegalArgumentException().isThrownBy(() -> bind("subscription-cache-limit", "0"))
			.withMessage("gateway.subscription-cache-limit must be at least 1, was 0");
	}

	@Test
	void theIoBufferIsFromOneTo64KiB() {
		for (String size : List.of("1024B", "64KB")) {
			assertThat(bind("io-buffer-size", size).ioBufferSize()).isEqualTo(DataSize.parse(size));
		}
		assertThatIllegalArgumentException().isThrownBy(() -> bind("io-buffer-size", "1023B"))
			.withMessage("gateway.io-buffer-size must be from 1024B to 65536B, was 1023B");
		assertThatIllegalArgumentException().isThrownBy(() -> bind("io-buffer-size", "65537B"))
			.withMessage("gateway.io-buffer-size must be from 1024B to 65536B, was 65537B");
	}

	@Test
	void theSendOrderHoldMustBePositive() {
		assertThat(bind("send-order-hold", "1ns").sendOrderHold()).isEqualTo(Duration.ofNanos(1));
		assertThatIllegalArgumentException().isThrownBy(() -> bind("send-order-hold", "0s"))
			.withMessage("gateway.send-order-hold must be positive, was PT0S");
	}

	@Test
	void aConversationKeepsAtLeastOneSendOrderHold() {
		assertThat(bind("send-order-max-holds", "1").sendOrderMaxHolds()).isEqualTo(1);
		assertThatIllegalArgumentException().isThrownBy(() -> bind("send-order-max-holds", "0"))
			.withMessage("gateway.send-order-max-holds must be at least 1, was 0");
	}

	@Test
	void aWriteToAClientWaitsFromATenthOfASecondToAMinute() {
		assertThat(bind("send-time-limit", "100ms").sendTimeLimit()).isEqualTo(Duration.ofMillis(100));
		assertThat(bind("send-time-limit", "60s").sendTimeLimit()).isEqualTo(Duration.ofSeconds(60));
		assertThatIllegalArgumentException().isThrownBy(() -> bind("send-time-limit", "99ms"))
			.withMessage("gateway.send-time-limit must be from PT0.1S to PT1M, was PT0.099S");
		assertThatIllegalArgumentException().isThrownBy(() -> bind("send-time-limit", "60001ms"));
	}

	@Test
	void atLeastSixteenKiBMayQueueForAClientAndOneThreadWrites() {
		assertThat(bind("send-buffer-limit", "16KB", "outbound-threads", "1").sendBufferLimit())
			.isEqualTo(DataSize.ofKilobytes(16));
		assertThatIllegalArgumentException().isThrownBy(() -> bind("send-buffer-limit", "16383B"))
			.withMessage("gateway.send-buffer-limit must be from 16384B to 2GB, was 16383B");
		assertThatIllegalArgumentException().isThrownBy(() -> bind("send-buffer-limit", "2GB"));
		assertThatIllegalArgumentException().isThrownBy(() -> bind("outbound-threads", "0"))
			.withMessage("gateway.outbound-threads must be at least 1, was 0");
	}

	@Test
	void theInboundBacklogIsFromOneTo100000Frames() {
		assertThat(bind("max-inbound-backlog", "1").maxInboundBacklog()).isEqualTo(1);
		assertThat(bind("max-inbound-backlog", "100000").maxInboundBacklog()).isEqualTo(100_000);
		assertThatIllegalArgumentException().isThrownBy(() -> bind("max-inbound-backlog", "0"))
			.withMessage("gateway.max-inbound-backlog must be from 1 to 100000, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> bind("max-inbound-backlog", "100001"));
	}

	@Test
	void aUserHasFromOneTo10000SessionsOnAGateway() {
		assertThat(bind("max-sessions-per-user", "1").maxSessionsPerUser()).isEqualTo(1);
		assertThat(bind("max-sessions-per-user", "10000").maxSessionsPerUser()).isEqualTo(10_000);
		assertThatIllegalArgumentException().isThrownBy(() -> bind("max-sessions-per-user", "0"))
			.withMessage("gateway.max-sessions-per-user must be from 1 to 10000, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> bind("max-sessions-per-user", "10001"));
	}

	@Test
	void theGatewayHoldsFromOneFrameTo8GiBOfFramesWaiting() {
		assertThat(bind("max-inbound-bytes", "32KB").maxInboundBytes()).isEqualTo(DataSize.ofKilobytes(32));
		assertThat(bind("max-inbound-bytes", "8GB").maxInboundBytes()).isEqualTo(DataSize.ofGigabytes(8));
		assertThatIllegalArgumentException().isThrownBy(() -> bind("max-inbound-bytes", (32 * 1024 - 1) + "B"))
			.withMessage("gateway.max-inbound-bytes must be from gateway.max-frame-size (32768B) to 8589934592B, "
					+ "was 32767B");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> bind("max-inbound-bytes", (DataSize.ofGigabytes(8).toBytes() + 1) + "B"));
	}

	@Test
	void from1To1000000PresenceChangesWait() {
		assertThat(bind("presence-queue", "1").presenceQueue()).isOne();
		assertThat(bind("presence-queue", "1000000").presenceQueue()).isEqualTo(1_000_000);
		assertThatIllegalArgumentException().isThrownBy(() -> bind("presence-queue", "0"))
			.withMessage("gateway.presence-queue must be from 1 to 1000000, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> bind("presence-queue", "1000001"));
	}

	@Test
	void theLatestChangeOf1To1000000UsersIsRemembered() {
		assertThat(bind("presence-recent-changes", "1").presenceRecentChanges()).isOne();
		assertThat(bind("presence-recent-changes", "1000000").presenceRecentChanges()).isEqualTo(1_000_000);
		assertThatIllegalArgumentException().isThrownBy(() -> bind("presence-recent-changes", "0"))
			.withMessage("gateway.presence-recent-changes must be from 1 to 1000000, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> bind("presence-recent-changes", "1000001"));
	}

	@Test
	void from1To1000000DeliveriesWait() {
		assertThat(bind("delivery-queue", "1").deliveryQueue()).isOne();
		assertThat(bind("delivery-queue", "1000000").deliveryQueue()).isEqualTo(1_000_000);
		assertThatIllegalArgumentException().isThrownBy(() -> bind("delivery-queue", "0"))
			.withMessage("gateway.delivery-queue must be from 1 to 1000000, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> bind("delivery-queue", "1000001"));
	}

	@Test
	void anInstanceWithoutAnIdGetsAUniqueOne() {
		GatewayProperties first = bind("id", null);
		GatewayProperties second = bind("id", " ");
		assertThat(first.id()).startsWith("gw-").isNotEqualTo(second.id());
	}

}
