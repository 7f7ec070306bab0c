package dev.blueprint.chat.gateway;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class GatewayPropertiesTests {

	private static final GatewayProperties.Contacts CONTACTS = new GatewayProperties.Contacts(
			java.net.URI.create("http://127.0.0.1:8084"), Duration.ofSeconds(2), Duration.ofMinutes(5),
			Duration.ofSeconds(10), 2);

	private static final Duration HOLD = Duration.ofSeconds(10);

	private static final Duration SEND_TIME_LIMIT = Duration.ofSeconds(5);

	private static final DataSize SEND_BUFFER = DataSize.ofKilobytes(512);

	private static final int BACKLOG = 128;

	private static final DataSize INBOUND_BYTES = DataSize.ofMegabytes(64);

	private static final int PRESENCE_QUEUE = 10_000;

	private static GatewayProperties properties(int maxBodyBytes, DataSize maxFrameSize, Duration heartbeat) {
		return properties(maxBodyBytes, maxFrameSize, DataSize.ofKilobytes(4), heartbeat);
	}

	private static GatewayProperties properties(int maxBodyBytes, DataSize maxFrameSize, DataSize messageBufferSize,
			Duration heartbeat) {
		return new GatewayProperties("gw-1", maxBodyBytes, 64, maxFrameSize, messageBufferSize, DataSize.ofKilobytes(4),
				false, Duration.ofSeconds(30), heartbeat, List.of("*"), 6, (short) 1, 16, 120_000, HOLD, 32, CONTACTS,
				Duration.ofSeconds(60), SEND_TIME_LIMIT, SEND_BUFFER, 16, BACKLOG, 20, INBOUND_BYTES, PRESENCE_QUEUE);
	}

	@Test
	void theFrameLimitMustLeaveRoomForAFullBodyEscapedAndItsFrame() {
		int smallest = 7 * (4096 + 64) + 1024;
		assertThat(properties(4096, DataSize.ofBytes(smallest), Duration.ofSeconds(10)).maxFrameSize())
			.isEqualTo(DataSize.ofBytes(smallest));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> properties(4096, DataSize.ofBytes(smallest - 1), Duration.ofSeconds(10)))
			.withMessage("gateway.max-frame-size (30143B) must be at least 30144B: 7 × (gateway.max-body-bytes (4096) "
					+ "+ gateway.max-client-message-id-length (64)) + 1KB, or a body within its limit, JSON-escaped, "
					+ "could not be sent");
	}

	@Test
	void theMessageBufferIsFromOneKiBToTheFrameLimit() {
		DataSize frame = DataSize.ofKilobytes(32);
		for (DataSize size : List.of(DataSize.ofBytes(1024), frame)) {
			assertThat(properties(4096, frame, size, Duration.ofSeconds(10)).messageBufferSize()).isEqualTo(size);
		}
		assertThatIllegalArgumentException()
			.isThrownBy(() -> properties(4096, frame, DataSize.ofBytes(1023), Duration.ofSeconds(10)))
			.withMessage(
					"gateway.message-buffer-size must be from 1024B to gateway.max-frame-size (32768B), was 1023B");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> properties(4096, frame, DataSize.ofBytes(32769), Duration.ofSeconds(10)));
	}

	@Test
	void theHeartbeatMustBeUnderHalfTheLease() {
		assertThat(properties(4096, DataSize.ofKilobytes(32), Duration.ofMillis(14_999)).heartbeat())
			.isEqualTo(Duration.ofMillis(14_999));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> properties(4096, DataSize.ofKilobytes(32), Duration.ofSeconds(15)))
			.withMessageContaining("gateway.heartbeat (PT15S) must be under half of gateway.session-lease (PT30S)");
	}

	@Test
	void theIdIsOneThatSessionEntriesCanCarry() {
		assertThat(withId("chat-gateway-5d8f9c7b4-x2x9z").id()).isEqualTo("chat-gateway-5d8f9c7b4-x2x9z");
		assertThatIllegalArgumentException().isThrownBy(() -> withId("gw|1"))
			.withMessageStartingWith("gateway.id (CHAT_GATEWAY_ID) must be 1-128 of letters, digits");
		assertThatIllegalArgumentException().isThrownBy(() -> withId("x".repeat(129)));
	}

	@Test
	void theSilenceTimeoutByDefaultIsAMinuteOrLongerWithLongerHeartBeats() {
		assertThat(withSilenceTimeout(Duration.ZERO).clientSilenceTimeout()).isEqualTo(Duration.ofSeconds(60));
		assertThat(new GatewayProperties("gw-1", 4096, 64, DataSize.ofKilobytes(32), DataSize.ofKilobytes(8),
				DataSize.ofKilobytes(4), false, Duration.ofSeconds(60), Duration.ofSeconds(20), List.of("*"), 6,
				(short) 1, 16, 1, HOLD, 32, CONTACTS, Duration.ZERO, SEND_TIME_LIMIT, SEND_BUFFER, 16, BACKLOG, 20,
				INBOUND_BYTES, PRESENCE_QUEUE)
			.clientSilenceTimeout()).as("heart-beats of 20 s").isEqualTo(Duration.ofSeconds(70));
	}

	@Test
	void aSilentClientIsClosedOnlyAfterMoreThanThreeHeartBeats() {
		assertThat(withSilenceTimeout(Duration.ofMillis(30_001)).clientSilenceTimeout()).hasMillis(30_001);
		assertThatIllegalArgumentException().isThrownBy(() -> withSilenceTimeout(Duration.ofSeconds(30)))
			.withMessageStartingWith("gateway.client-silence-timeout (PT30S) must be at least 1s and longer than "
					+ "three gateway.heartbeat intervals (PT10S)");
	}

	private static GatewayProperties withId(String id) {
		return new GatewayProperties(id, 4096, 64, DataSize.ofKilobytes(32), DataSize.ofKilobytes(8),
				DataSize.ofKilobytes(4), false, Duration.ofSeconds(30), Duration.ofSeconds(10), List.of("*"), 6,
				(short) 1, 16, 1, HOLD, 32, CONTACTS, Duration.ofSeconds(60), SEND_TIME_LIMIT, SEND_BUFFER, 16, BACKLOG,
				20, INBOUND_BYTES, PRESENCE_QUEUE);
	}

	private static GatewayProperties withSilenceTimeout(Duration timeout) {
		return new GatewayProperties("gw-1", 4096, 64, DataSize.ofKilobytes(32), DataSize.ofKilobytes(8),
				DataSize.ofKilobytes(4), false, Duration.ofSeconds(30), Duration.ofSeconds(10), List.of("*"), 6,
				(short) 1, 16, 1, HOLD, 32, CONTACTS, timeout, SEND_TIME_LIMIT, SEND_BUFFER, 16, BACKLOG, 20,
				INBOUND_BYTES, PRESENCE_QUEUE);
	}

	@Test
	void theSubscriptionCacheHoldsAtLeastOneDestination() {
		assertThat(new GatewayProperties("gw-1", 4096, 64, DataSize.ofKilobytes(32), DataSize.ofKilobytes(8),
				DataSize.ofKilobytes(4), false, Duration.ofSeconds(30), Duration.ofSeconds(10), List.of("*"), 6,
				(short) 1, 16, 1, HOLD, 32, CONTACTS, Duration.ofSeconds(60), SEND_TIME_LIMIT, SEND_BUFFER, 16, BACKLOG,
				20, INBOUND_BYTES, PRESENCE_QUEUE)
			.subscriptionCacheLimit()).isEqualTo(1);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new GatewayProperties("gw-1", 4096, 64, DataSize.ofKilobytes(32), DataSize.ofKilobytes(8),
					DataSize.ofKilobytes(4), false, Duration.ofSeconds(30), Duration.ofSeconds(10), List.of("*"), 6,
					(short) 1, 16, 0, HOLD, 32, CONTACTS, Duration.ofSeconds(60), SEND_TIME_LIMIT, SEND_BUFFER, 16,
					BACKLOG, 20, INBOUND_BYTES, PRESENCE_QUEUE))
			.withMessage("gateway.subscription-cache-limit must be at least 1, was 0");
	}

	@Test
	void theIoBufferIsFromOneTo64KiB() {
		for (DataSize size : List.of(DataSize.ofBytes(1024), DataSize.ofKilobytes(64))) {
			assertThat(ioBuffer(size).ioBufferSize()).isEqualTo(size);
		}
		assertThatIllegalArgumentException().isThrownBy(() -> ioBuffer(DataSize.ofBytes(1023)))
			.withMessage("gateway.io-buffer-size must be from 1024B to 65536B, was 1023B");
		assertThatIllegalArgumentException().isThrownBy(() -> ioBuffer(DataSize.ofBytes(65537)))
			.withMessage("gateway.io-buffer-size must be from 1024B to 65536B, was 65537B");
	}

	private static GatewayProperties ioBuffer(DataSize size) {
		return new GatewayProperties("gw-1", 4096, 64, DataSize.ofKilobytes(32), DataSize.ofKilobytes(8), size, false,
				Duration.ofSeconds(30), Duration.ofSeconds(10), List.of("*"), 6, (short) 1, 16, 120_000, HOLD, 32,
				CONTACTS, Duration.ofSeconds(60), SEND_TIME_LIMIT, SEND_BUFFER, 16, BACKLOG, 20, INBOUND_BYTES,
				PRESENCE_QUEUE);
	}

	@Test
	void theSendOrderHoldMustBePositive() {
		assertThat(sendOrderHold(Duration.ofNanos(1)).sendOrderHold()).isEqualTo(Duration.ofNanos(1));
		assertThatIllegalArgumentException().isThrownBy(() -> sendOrderHold(Duration.ZERO))
			.withMessage("gateway.send-order-hold must be positive, was PT0S");
	}

	private static GatewayProperties sendOrderHold(Duration hold) {
		return new GatewayProperties("gw-1", 4096, 64, DataSize.ofKilobytes(32), DataSize.ofKilobytes(8),
				DataSize.ofKilobytes(4), false, Duration.ofSeconds(30), Duration.ofSeconds(10), List.of("*"), 6,
				(short) 1, 16, 120_000, hold, 32, CONTACTS, Duration.ofSeconds(60), SEND_TIME_LIMIT, SEND_BUFFER, 16,
				BACKLOG, 20, INBOUND_BYTES, PRESENCE_QUEUE);
	}

	@Test
	void aConversationKeepsAtLeastOneSendOrderHold() {
		assertThat(sendOrderMaxHolds(1).sendOrderMaxHolds()).isEqualTo(1);
		assertThatIllegalArgumentException().isThrownBy(() -> sendOrderMaxHolds(0))
			.withMessage("gateway.send-order-max-holds must be at least 1, was 0");
	}

	private static GatewayProperties sendOrderMaxHolds(int maxHolds) {
		return new GatewayProperties("gw-1", 4096, 64, DataSize.ofKilobytes(32), DataSize.ofKilobytes(8),
				DataSize.ofKilobytes(4), false, Duration.ofSeconds(30), Duration.ofSeconds(10), List.of("*"), 6,
				(short) 1, 16, 120_000, HOLD, maxHolds, CONTACTS, Duration.ofSeconds(60), SEND_TIME_LIMIT, SEND_BUFFER,
				16, BACKLOG, 20, INBOUND_BYTES, PRESENCE_QUEUE);
	}

	@Test
	void aWriteToAClientWaitsFromATenthOfASecondToAMinute() {
		assertThat(sendLimits(Duration.ofMillis(100), SEND_BUFFER, 16).sendTimeLimit())
			.isEqualTo(Duration.ofMillis(100));
		assertThat(sendLimits(Duration.ofSeconds(60), SEND_BUFFER, 16).sendTimeLimit())
			.isEqualTo(Duration.ofSeconds(60));
		assertThatIllegalArgumentException().isThrownBy(() -> sendLimits(Duration.ofMillis(99), SEND_BUFFER, 16))
			.withMessage("gateway.send-time-limit must be from PT0.1S to PT1M, was PT0.099S");
		assertThatIllegalArgumentException().isThrownBy(() -> sendLimits(Duration.ofMillis(60_001), SEND_BUFFER, 16));
	}

	@Test
	void atLeastSixteenKiBMayQueueForAClientAndOneThreadWrites() {
		assertThat(sendLimits(SEND_TIME_LIMIT, DataSize.ofKilobytes(16), 1).sendBufferLimit())
			.isEqualTo(DataSize.ofKilobytes(16));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> sendLimits(SEND_TIME_LIMIT, DataSize.ofBytes(16 * 1024 - 1), 16))
			.withMessage("gateway.send-buffer-limit must be from 16384B to 2GB, was 16383B");
		assertThatIllegalArgumentException().isThrownBy(() -> sendLimits(SEND_TIME_LIMIT, DataSize.ofGigabytes(2), 16));
		assertThatIllegalArgumentException().isThrownBy(() -> sendLimits(SEND_TIME_LIMIT, SEND_BUFFER, 0))
			.withMessage("gateway.outbound-threads must be at least 1, was 0");
	}

	private static GatewayProperties sendLimits(Duration sendTimeLimit, DataSize sendBuffer, int outboundThreads) {
		return new GatewayProperties("gw-1", 4096, 64, DataSize.ofKilobytes(32), DataSize.ofKilobytes(8),
				DataSize.ofKilobytes(4), false, Duration.ofSeconds(30), Duration.ofSeconds(10), List.of("*"), 6,
				(short) 1, 16, 120_000, HOLD, 32, CONTACTS, Duration.ofSeconds(60), sendTimeLimit, sendBuffer,
				outboundThreads, BACKLOG, 20, INBOUND_BYTES, PRESENCE_QUEUE);
	}

	@Test
	void theInboundBacklogIsFromOneTo100000Frames() {
		assertThat(inboundLimits(1, 20).maxInboundBacklog()).isEqualTo(1);
		assertThat(inboundLimits(100_000, 20).maxInboundBacklog()).isEqualTo(100_000);
		assertThatIllegalArgumentException().isThrownBy(() -> inboundLimits(0, 20))
			.withMessage("gateway.max-inbound-backlog must be from 1 to 100000, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> inboundLimits(100_001, 20));
	}

	@Test
	void aUserHasFromOneTo10000SessionsOnAGateway() {
		assertThat(inboundLimits(BACKLOG, 1).maxSessionsPerUser()).isEqualTo(1);
		assertThat(inboundLimits(BACKLOG, 10_000).maxSessionsPerUser()).isEqualTo(10_000);
		assertThatIllegalArgumentException().isThrownBy(() -> inboundLimits(BACKLOG, 0))
			.withMessage("gateway.max-sessions-per-user must be from 1 to 10000, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> inboundLimits(BACKLOG, 10_001));
	}

	private static GatewayProperties inboundLimits(int maxInboundBacklog, int maxSessionsPerUser) {
		return new GatewayProperties("gw-1", 4096, 64, DataSize.ofKilobytes(32), DataSize.ofKilobytes(8),
				DataSize.ofKilobytes(4), false, Duration.ofSeconds(30), Duration.ofSeconds(10), List.of("*"), 6,
				(short) 1, 16, 120_000, HOLD, 32, CONTACTS, Duration.ofSeconds(60), SEND_TIME_LIMIT, SEND_BUFFER, 16,
				maxInboundBacklog, maxSessionsPerUser, INBOUND_BYTES, PRESENCE_QUEUE);
	}

	@Test
	void theGatewayHoldsFromOneFrameTo8GiBOfFramesWaiting() {
		assertThat(inboundBytes(DataSize.ofKilobytes(32)).maxInboundBytes()).isEqualTo(DataSize.ofKilobytes(32));
		assertThat(inboundBytes(DataSize.ofGigabytes(8)).maxInboundBytes()).isEqualTo(DataSize.ofGigabytes(8));
		assertThatIllegalArgumentException().isThrownBy(() -> inboundBytes(DataSize.ofBytes(32 * 1024 - 1)))
			.withMessage("gateway.max-inbound-bytes must be from gateway.max-frame-size (32768B) to 8589934592B, "
					+ "was 32767B");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> inboundBytes(DataSize.ofBytes(DataSize.ofGigabytes(8).toBytes() + 1)));
	}

	private static GatewayProperties inboundBytes(DataSize maxInboundBytes) {
		return new GatewayProperties("gw-1", 4096, 64, DataSize.ofKilobytes(32), DataSize.ofKilobytes(8),
				DataSize.ofKilobytes(4), false, Duration.ofSeconds(30), Duration.ofSeconds(10), List.of("*"), 6,
				(short) 1, 16, 120_000, HOLD, 32, CONTACTS, Duration.ofSeconds(60), SEND_TIME_LIMIT, SEND_BUFFER, 16,
				BACKLOG, 20, maxInboundBytes, PRESENCE_QUEUE);
	}

	@Test
	void from1To1000000PresenceChangesWait() {
		assertThat(presenceQueue(1).presenceQueue()).isOne();
		assertThat(presenceQueue(1_000_000).presenceQueue()).isEqualTo(1_000_000);
		assertThatIllegalArgumentException().isThrownBy(() -> presenceQueue(0))
			.withMessage("gateway.presence-queue must be from 1 to 1000000, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> presenceQueue(1_000_001));
	}

	private static GatewayProperties presenceQueue(int presenceQueue) {
		return new GatewayProperties("gw-1", 4096, 64, DataSize.ofKilobytes(32), DataSize.ofKilobytes(8),
				DataSize.ofKilobytes(4), false, Duration.ofSeconds(30), Duration.ofSeconds(10), List.of("*"), 6,
				(short) 1, 16, 120_000, HOLD, 32, CONTACTS, Duration.ofSeconds(60), SEND_TIME_LIMIT, SEND_BUFFER, 16,
				BACKLOG, 20, INBOUND_BYTES, presenceQueue);
	}

	@Test
	void anInstanceWithoutAnIdGetsAUniqueOne() {
		GatewayProperties first = new GatewayProperties(null, 4096, 64, DataSize.ofKilobytes(32),
				DataSize.ofKilobytes(8), DataSize.ofKilobytes(4), false, Duration.ofSeconds(30), Duration.ofSeconds(10),
				List.of("*"), 6, (short) 1, 16, 120_000, HOLD, 32, CONTACTS, Duration.ofSeconds(60), SEND_TIME_LIMIT,
				SEND_BUFFER, 16, BACKLOG, 20, INBOUND_BYTES, PRESENCE_QUEUE);
		GatewayProperties second = new GatewayProperties(" ", 4096, 64, DataSize.ofKilobytes(32),
				DataSize.ofKilobytes(8), DataSize.ofKilobytes(4), false, Duration.ofSeconds(30), Duration.ofSeconds(10),
				List.of("*"), 6, (short) 1, 16, 120_000, HOLD, 32, CONTACTS, Duration.ofSeconds(60), SEND_TIME_LIMIT,
				SEND_BUFFER, 16, BACKLOG, 20, INBOUND_BYTES, PRESENCE_QUEUE);
		assertThat(first.id()).startsWith("gw-").isNotEqualTo(second.id());
	}

}
