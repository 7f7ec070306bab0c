package dev.blueprint.chat.gateway;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Every setting of the chat gateway, with its default.
 *
 * @param id this instance's id in the session registry and its delivery channel (default:
 * a random id per start)
 * @param maxBodyBytes largest message body, in UTF-8 bytes
 * @param maxClientMessageIdLength longest clientMessageId, in characters
 * @param maxFrameSize largest message (STOMP frame) a client may send; a bigger one
 * closes the connection (1009, message too big), while a body above maxBodyBytes in a
 * frame within this gets an error on /user/queue/errors and the session stays. At least 7
 * × (maxBodyBytes + maxClientMessageIdLength) + 1 KiB: JSON may escape each byte of a
 * body as up to six characters ({@code \u0001}), SockJS escapes the frame once more
 * ({@code \\u0001}, seven), and any body within its limit must reach the check that
 * answers it. Over SockJS's WebSocket transport it bounds, in characters, the SockJS
 * message joined from its parts ({@link SockJsHandshake})
 * @param messageBufferSize the WebSocket container's per-session message buffers (every
 * session holds one text and one binary buffer of this size, so it is paid for each idle
 * connection; Spring's STOMP handler would raise the text one to 16,640 characters, which
 * {@link PartialMessages} undoes); a larger message arrives in parts, reassembled up to
 * maxFrameSize. 1 KiB to maxFrameSize.
 * @param ioBufferSize the other buffers every WebSocket session holds while it is open:
 * Tomcat's socket read and write buffers, its WebSocket frame input and output buffers
 * and its text encoder. Paid for each idle connection like maxFrameSize; a message to a
 * client above it goes out in several WebSocket frames (continuation frames, which every
 * client reassembles). 1 KiB to 64 KiB. Tomcat reads the WebSocket part once per JVM
 * (system property {@code org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE}), so it is set
 * before the server starts
 * @param perMessageDeflate whether clients that offer WebSocket compression
 * ({@code permessage-deflate}, as every browser does) get it: fewer bytes on the wire for
 * each frame, at the cost of a zlib deflater and inflater per session outside the heap
 * (see the README for the measured cost); off by default
 * @param sessionLease how long a session counts in the registry without a heartbeat
 * @param heartbeat how often this gateway renews its sessions' leases (and the STOMP
 * heart-beat interval it offers)
 * @param allowedOrigins origins allowed to open WebSocket/SockJS connections (auth is a
 * bearer token in the CONNECT frame, not a cookie, so a foreign origin gains nothing)
 * @param topicPartitions partitions of the submitted-messages topic if this service
 * creates it (must match chat-message-service's {@code chat.topics.partitions})
 * @param topicReplication its replication factor
 * @param inboundThreads threads handling client frames (a SEND waits on Redis for the
 * rate limit)
 * @param subscriptionCacheLimit destinations whose subscribers the STOMP broker keeps
 * resolved: every session has its own destination per queue (six queues), and a
 * destination not in the cache is matched against every subscription of every session, so
 * the cache must hold the destinations in use (Spring's default, 1,024, held those of
 * ~170 sessions)
 * @param sendOrderHold after a message is refused for now ({@code rate-limited},
 * {@code retry}), how long the session's later messages to that conversation are held
 * (refused with the same code) unless the refused one comes again first, so that they are
 * not stored before it ({@link dev.blueprint.chat.gateway.messaging.core.SendOrder}). The
 * hold is for the frames already on their way when the refusal went out, which arrive
 * within a round trip; a longer one would only block a client that gave the refused
 * message up, or that got a late {@code retry} for a message a later send of it stored
 * @param sendOrderMaxHolds most refused messages a session's conversation keeps holds for
 * at once: beyond it the one sent last is dropped, and messages sent after it are held
 * only by those sent before it. Bounds the memory of a session whose sends fail while the
 * rate limit fails open (Redis down)
 * @param contacts where the connected users' conversations (presence audience, typing
 * members) come from
 * @param clientSilenceTimeout how long a WebSocket client may send nothing (no frame, no
 * heart-beat) before its connection is closed. A client that offers STOMP heart-beats is
 * held to them (three missed, 30 s); one that offers none was never timed out, and a
 * silently dead one stayed registered, so online, for as long as the TCP connection
 * looked open. 0 (the default): 60 s, or three heart-beat intervals and 10 s if that is
 * longer; else at least 1 s and above three heart-beat intervals
 * @param sendTimeLimit how long a write to a client may wait (the client is not reading:
 * a dead mobile link, a frozen tab) before its connection is closed. Both Tomcat's
 * blocking write and Spring's per-session limit take it, so a client that stops reading
 * holds an outbound thread for at most about this long. 100 ms to 60 s
 * @param sendBufferLimit how much may queue for one client while a write to it waits:
 * beyond it the connection is closed. At least 16 KiB
 * @param outboundThreads threads writing frames to clients. Each client that stops
 * reading holds one of them for up to sendTimeLimit, so this many minus the number of
 * such clients at once are left for the others
 * @param maxInboundBacklog most frames of one session received but not yet handled (a
 * session's frames are handled one at a time, in order): beyond it the gateway stops
 * reading the client's connection until half of it is left, so a client that sends faster
 * than its frames are handled is slowed by TCP instead of growing the heap by up to
 * gateway.max-frame-size a frame; over SockJS's HTTP transports, which cannot stop
 * reading, it is closed (1008). 1 to 100,000
 * @param maxSessionsPerUser most open sessions of one user on one gateway (devices,
 * tabs): a CONNECT beyond it is refused with an ERROR frame. One token could otherwise
 * open sessions until the gateway ran out of heap or file descriptors. 1 to 10,000
 * @param maxInboundBytes most bytes of client frames received but not yet handled, all
 * sessions together: beyond it, each session holding more than its share (the budget
 * divided by the sessions with frames waiting) stops being read (SockJS over HTTP: is
 * closed with 1013) until half of it is left. The bound per session times many sessions
 * could otherwise exhaust the heap. From gateway.max-frame-size to 8GB
 * @param presenceQueue most presence changes waiting to be pushed to this gateway's
 * watchers: beyond it the oldest waiting change is dropped (and counted), as every
 * gateway receives every change and a burst (every user flipping after a Redis outage)
 * would otherwise queue without bound. 1 to 1,000,000
 * @param deliveryQueue most publishes from notification-service (each up to
 * notification.deliveries-per-publish messages, acks and receipts for this gateway's
 * sessions) waiting for the delivery thread: beyond it the oldest is dropped (and
 * counted), so a gateway that falls behind its deliveries sheds them rather than running
 * out of heap; a recipient fills what it missed from history when it sees the gap, and a
 * sender whose ack was dropped resends (stored once). 1 to 1,000,000
 * @param presenceRecentChanges of how many users the latest presence change received is
 * remembered (about 120 bytes each): a user connecting is told afterwards which contacts
 * changed while the gateway first read their conversations (those changes were pushed to
 * no one here). When more users changed meanwhile than are remembered, the user is told
 * to read every contact's presence. 1 to 1,000,000
 */
@ConfigurationProperties("gateway")
public record GatewayProperties(String id, @DefaultValue("4096") int maxBodyBytes,
		@DefaultValue("64") int maxClientMessageIdLength, @DefaultValue("32KB") DataSize maxFrameSize,
		@DefaultValue("8KB") DataSize messageBufferSize, @DefaultValue("2KB") DataSize ioBufferSize,
		@DefaultValue("false") boolean perMessageDeflate, @DefaultValue("30s") Duration sessionLease,
		@DefaultValue("10s") Duration heartbeat, @DefaultValue("*") List<String> allowedOrigins,
		@DefaultValue("6") int topicPartitions, @DefaultValue("1") short topicReplication,
		@DefaultValue("16") int inboundThreads, @DefaultValue("120000") int subscriptionCacheLimit,
		@DefaultValue("10s") Duration sendOrderHold, @DefaultValue("32") int sendOrderMaxHolds,
		@DefaultValue Contacts contacts, @DefaultValue("0s") Duration clientSilenceTimeout,
		@DefaultValue("5s") Duration sendTimeLimit, @DefaultValue("512KB") DataSize sendBufferLimit,
		@DefaultValue("16") int outboundThreads, @DefaultValue("128") int maxInboundBacklog,
		@DefaultValue("20") int maxSessionsPerUser, @DefaultValue("64MB") DataSize maxInboundBytes,
		@DefaultValue("10000") int presenceQueue, @DefaultValue("10000") int deliveryQueue,
		@DefaultValue("100000") int presenceRecentChanges) {

	/**
	 * The most characters one byte of a body may take in a client's message: six in the
	 * STOMP frame's JSON ({@code \u0001}), and one more when SockJS carries the frame as
	 * a JSON string ({@code \\u0001}).
	 */
	static final int MAX_ESCAPE = 7;

	private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

	static final Duration DEFAULT_SILENCE = Duration.ofSeconds(60);

	static final DataSize MIN_IO_BUFFER = DataSize.ofKilobytes(1);

	static final DataSize MAX_IO_BUFFER = DataSize.ofKilobytes(64);

	static final Duration MIN_SEND_TIME_LIMIT = Duration.ofMillis(100);

	static final Duration MAX_SEND_TIME_LIMIT = Duration.ofSeconds(60);

	static final DataSize MIN_SEND_BUFFER = DataSize.ofKilobytes(16);

	static final int MAX_INBOUND_BACKLOG = 100_000;

	static final int MAX_SESSIONS_PER_USER = 10_000;

	static final DataSize MAX_INBOUND_BYTES = DataSize.ofGigabytes(8);

	/** The longest queue of presence changes or deliveries. */
	static final int MAX_QUEUE = 1_000_000;

	public GatewayProperties {
		if (id == null || id.isBlank()) {
			id = "gw-" + UUID.randomUUID();
		}
		long smallestFrame = MAX_ESCAPE * ((long) maxBodyBytes + maxClientMessageIdLength) + 1024L;
		if (maxFrameSize.toBytes() < smallestFrame) {
			throw new IllegalArgumentException("gateway.max-frame-size (" + maxFrameSize + ") must be at least "
					+ smallestFrame + "B: " + MAX_ESCAPE + " × (gateway.max-body-bytes (" + maxBodyBytes
					+ ") + gateway.max-client-message-id-length (" + maxClientMessageIdLength + ")) + 1KB, "
					+ "or a body within its limit, JSON-escaped, could not be sent");
		}
		if (messageBufferSize.toBytes() < MIN_IO_BUFFER.toBytes()
				|| messageBufferSize.toBytes() > maxFrameSize.toBytes()) {
			throw new IllegalArgumentException("gateway.message-buffer-size must be from " + MIN_IO_BUFFER
					+ " to gateway.max-frame-size (" + maxFrameSize + "), was " + messageBufferSize);
		}
		if (ioBufferSize.toBytes() < MIN_IO_BUFFER.toBytes() || ioBufferSize.toBytes() > MAX_IO_BUFFER.toBytes()) {
			throw new IllegalArgumentException("gateway.io-buffer-size must be from " + MIN_IO_BUFFER + " to "
					+ MAX_IO_BUFFER + ", was " + ioBufferSize);
		}
		if (subscriptionCacheLimit < 1) {
			throw new IllegalArgumentException(
					"gateway.subscription-cache-limit must be at least 1, was " + subscriptionCacheLimit);
		}
		if (sendOrderHold.isNegative() || sendOrderHold.isZero()) {
			throw new IllegalArgumentException("gateway.send-order-hold must be positive, was " + sendOrderHold);
		}
		if (sendOrderMaxHolds < 1) {
			throw new IllegalArgumentException(
					"gateway.send-order-max-holds must be at least 1, was " + sendOrderMaxHolds);
		}
		if (!ID.matcher(id).matches()) {
			throw new IllegalArgumentException("gateway.id (CHAT_GATEWAY_ID) must be 1-128 of letters, digits, '.', "
					+ "'_', ':', '-' (it is part of every session's registry entry), was '" + id + "'");
		}
		if (clientSilenceTimeout.isZero()) {
			Duration threeBeats = heartbeat.multipliedBy(3).plusSeconds(10);
			clientSilenceTimeout = (threeBeats.compareTo(DEFAULT_SILENCE) > 0) ? threeBeats : DEFAULT_SILENCE;
		}
		if (clientSilenceTimeout.compareTo(heartbeat.multipliedBy(3)) <= 0
				|| clientSilenceTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
			throw new IllegalArgumentException("gateway.client-silence-timeout (" + clientSilenceTimeout
					+ ") must be at least 1s and longer than three gateway.heartbeat intervals (" + heartbeat
					+ "): a client that keeps its heart-beats would be closed");
		}
		if (sendTimeLimit.compareTo(MIN_SEND_TIME_LIMIT) < 0 || sendTimeLimit.compareTo(MAX_SEND_TIME_LIMIT) > 0) {
			throw new IllegalArgumentException("gateway.send-time-limit must be from " + MIN_SEND_TIME_LIMIT + " to "
					+ MAX_SEND_TIME_LIMIT + ", was " + sendTimeLimit);
		}
		if (sendBufferLimit.toBytes() < MIN_SEND_BUFFER.toBytes() || sendBufferLimit.toBytes() > Integer.MAX_VALUE) {
			throw new IllegalArgumentException(
					"gateway.send-buffer-limit must be from " + MIN_SEND_BUFFER + " to 2GB, was " + sendBufferLimit);
		}
		if (outboundThreads < 1) {
			throw new IllegalArgumentException("gateway.outbound-threads must be at least 1, was " + outboundThreads);
		}
		if (maxInboundBacklog < 1 || maxInboundBacklog > MAX_INBOUND_BACKLOG) {
			throw new IllegalArgumentException("gateway.max-inbound-backlog must be from 1 to " + MAX_INBOUND_BACKLOG
					+ ", was " + maxInboundBacklog);
		}
		if (maxSessionsPerUser < 1 || maxSessionsPerUser > MAX_SESSIONS_PER_USER) {
			throw new IllegalArgumentException("gateway.max-sessions-per-user must be from 1 to "
					+ MAX_SESSIONS_PER_USER + ", was " + maxSessionsPerUser);
		}
		if (maxInboundBytes.toBytes() < maxFrameSize.toBytes()
				|| maxInboundBytes.toBytes() > MAX_INBOUND_BYTES.toBytes()) {
			throw new IllegalArgumentException("gateway.max-inbound-bytes must be from gateway.max-frame-size ("
					+ maxFrameSize + ") to " + MAX_INBOUND_BYTES + ", was " + maxInboundBytes);
		}
		if (presenceQueue < 1 || presenceQueue > MAX_QUEUE) {
			throw new IllegalArgumentException(
					"gateway.presence-queue must be from 1 to " + MAX_QUEUE + ", was " + presenceQueue);
		}
		if (presenceRecentChanges < 1 || presenceRecentChanges > MAX_QUEUE) {
			throw new IllegalArgumentException("gateway.presence-recent-changes must be from 1 to " + MAX_QUEUE
					+ ", was " + presenceRecentChanges);
		}
		if (deliveryQueue < 1 || deliveryQueue > MAX_QUEUE) {
			throw new IllegalArgumentException(
					"gateway.delivery-queue must be from 1 to " + MAX_QUEUE + ", was " + deliveryQueue);
		}
		if (inboundThreads < 1) {
			throw new IllegalArgumentException("gateway.inbound-threads must be at least 1, was " + inboundThreads);
		}
		if (!heartbeat.minus(sessionLease.dividedBy(2)).isNegative()) {
			throw new IllegalArgumentException("gateway.heartbeat (" + heartbeat
					+ ") must be under half of gateway.session-lease (" + sessionLease + ")");
		}
	}

	/**
	 * The connected users' conversations, read from chat-message-service with each user's
	 * own token.
	 *
	 * @param url chat-message-service's base URL
	 * @param timeout connect and read timeout of one read
	 * @param refresh how often every connected user's conversations are read again
	 * @param minRefreshInterval least time between two reads for one user triggered by a
	 * conversation the gateway does not know for the user (a typing frame or a delivery):
	 * bounds what a non-member's typing flood costs chat-message-service
	 * @param fetchThreads threads reading conversations in the background
	 */
	public record Contacts(@DefaultValue("http://127.0.0.1:8084") URI url, @DefaultValue("2s") Duration timeout,
			@DefaultValue("5m") Duration refresh, @DefaultValue("1s") Duration minRefreshInterval,
			@DefaultValue("2") int fetchThreads) {

	}

}
