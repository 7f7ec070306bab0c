package dev.blueprint.chat.gateway;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.KeyedTopics;
import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.chat.gateway.contacts.ContactBook;
import dev.blueprint.chat.gateway.contacts.ContactsListener;
import dev.blueprint.chat.gateway.delivery.DeliveryReceiver;
import dev.blueprint.chat.gateway.messaging.core.SendOrder;
import dev.blueprint.chat.gateway.messaging.core.SendValidation;
import dev.blueprint.chat.gateway.presence.PresenceGaps;
import dev.blueprint.chat.gateway.presence.PresenceRelay;
import dev.blueprint.chat.gateway.session.ClosedSessions;
import dev.blueprint.chat.gateway.session.SessionTracker;
import dev.blueprint.chat.gateway.stomp.ClientFrames;
import dev.blueprint.chat.gateway.stomp.StompAuthentication;
import dev.blueprint.platform.kafka.TopicDeclarer;
import dev.blueprint.platform.security.PublicRequests;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.SimpMessagingTemplate;
import org.springframework.messaging.simp.user.SimpUserRegistry;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.config.WebSocketMessageBrokerStats;
import org.springframework.web.socket.messaging.SubProtocolWebSocketHandler;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(GatewayProperties.class)
@EnableScheduling
class GatewayConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(GatewayConfiguration.class);

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	@Bean
	ChatEventCodec chatEventCodec() {
		return new ChatEventCodec();
	}

	@Bean
	StompAuthentication stompAuthentication(JwtDecoder jwtDecoder, ObjectProvider<ClientFrames> frames,
			BeanFactory beans, ClosedSessions closedSessions, GatewayProperties properties) {
		return new StompAuthentication(jwtDecoder, frames,
				() -> beans.getBean("clientOutboundChannel", MessageChannel.class), closedSessions,
				properties.maxSessionsPerUser());
	}

	/** The WebSocket handshakes are public: the STOMP CONNECT frame carries the token. */
	@Bean
	PublicRequests chatHandshakes() {
		return (requests) -> requests.requestMatchers("/ws", "/ws/**", "/sockjs", "/sockjs/**").permitAll();
	}

	@Bean
	ThreadPoolTaskScheduler stompHeartbeats() {
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.setPoolSize(1);
		scheduler.setThreadNamePrefix("stomp-heartbeat-");
		return scheduler;
	}

	@Bean
	SendValidation sendValidation(GatewayProperties properties) {
		return new SendValidation(properties.maxBodyBytes(), properties.maxClientMessageIdLength());
	}

	@Bean
	SendOrder sendOrder(GatewayProperties properties) {
		return new SendOrder(properties.sendOrderHold(), properties.sendOrderMaxHolds());
	}

	@Bean
	ClientFrames clientFrames(SimpMessagingTemplate messaging, SimpUserRegistry users) {
		return new ClientFrames(messaging, users);
	}

	@Bean
	SessionRegistry sessionRegistry(StringRedisTemplate redis, GatewayProperties properties, Clock clock) {
		return new SessionRegistry(redis, properties.sessionLease(), clock);
	}

	@Bean
	ClosedSessions closedSessions() {
		return new ClosedSessions();
	}

	@Bean
	SessionTracker sessionTracker(SessionRegistry registry, GatewayProperties properties, ClosedSessions closed,
			MeterRegistry meters) {
		logger.info("Chat gateway instance {}", properties.id());
		return new SessionTracker(registry, properties.id(), closed, meters);
	}

	@Bean
	DeliveryReceiver deliveryReceiver(ChatEventCodec codec, ClientFrames frames, SessionTracker sessions,
			ContactBook contacts, Clock clock, MeterRegistry meters) {
		return new DeliveryReceiver(codec, frames, sessions, contacts, clock, meters);
	}

	static final String SESSIONS_TERMINATED = "blueprint.chat.gateway.sessions.terminated";

	static final String SESSIONS_TERMINATED_DESCRIPTION = "Sessions closed because their client stopped reading: "
			+ "send-timeout, a write waited gateway.send-time-limit (Tomcat); send-limit, a frame came while a write "
			+ "waited longer, or gateway.send-buffer-limit queued behind it (Spring); or because it sent too fast: "
			+ "inbound-backlog, more than gateway.max-inbound-backlog of its frames waited to be handled on a "
			+ "transport that cannot stop reading (SockJS over HTTP); inbound-bytes, the same with more than "
			+ "gateway.max-inbound-bytes of all sessions' frames waiting";

	/** The WebSocket sessions, closed all at once when the gateway stops. */
	@Bean
	GoingAway goingAway(GatewayProperties properties) {
		return new GoingAway(properties.sendTimeLimit());
	}

	@Bean
	InboundBacklog inboundBacklog(GatewayProperties properties, MeterRegistry meters) {
		InboundBacklog backlog = new InboundBacklog(properties.maxInboundBacklog(),
				properties.maxInboundBytes().toBytes(), suspensions(meters, "session"), suspensions(meters, "gateway"),
				Counter.builder(SESSIONS_TERMINATED)
					.description(SESSIONS_TERMINATED_DESCRIPTION)
					.tag("reason", "inbound-backlog")
					.register(meters),
				Counter.builder(SESSIONS_TERMINATED)
					.description(SESSIONS_TERMINATED_DESCRIPTION)
					.tag("reason", "inbound-bytes")
					.register(meters));
		Gauge.builder("blueprint.chat.gateway.inbound.bytes", backlog, InboundBacklog::waitingBytes)
			.description("Bytes of client frames received and not yet handled, all sessions together "
					+ "(at most gateway.max-inbound-bytes and one message per session)")
			.baseUnit("bytes")
			.register(meters);
		return backlog;
	}

	private static Counter suspensions(MeterRegistry meters, String limit) {
		return Counter.builder("blueprint.chat.gateway.inbound.suspensions")
			.description("Times the gateway stopped reading a client's connection: limit=session, more than "
					+ "gateway.max-inbound-backlog of its frames waited to be handled; limit=gateway, more than "
					+ "gateway.max-inbound-bytes of all sessions' frames did")
			.tag("limit", limit)
			.register(meters);
	}

	/** Spring's STOMP handler exists once every singleton does. */
	@Bean
	static SmartInitializingSingleton inboundBacklogDecoder(ObjectProvider<InboundBacklog> backlog, BeanFactory beans) {
		return () -> backlog.getObject().install(beans.getBean("subProtocolWebSocketHandler", WebSocketHandler.class));
	}

	/**
	 * Sessions Spring closed because their client stopped reading (a frame came while a
	 * write had waited longer than {@code gateway.send-time-limit}, or with
	 * {@code gateway.send-buffer-limit} queued), as its broker stats count them; Tomcat's
	 * write timeouts are counted by {@link SessionTimeouts}.
	 */
	@Bean
	MeterBinder slowClientTerminations(WebSocketMessageBrokerStats stats) {
		return (meters) -> FunctionCounter.builder(SESSIONS_TERMINATED, stats, GatewayConfiguration::limitExceeded)
			.description(SESSIONS_TERMINATED_DESCRIPTION)
			.tag("reason", "send-limit")
			.register(meters);
	}

	private static double limitExceeded(WebSocketMessageBrokerStats stats) {
		SubProtocolWebSocketHandler.Stats sessions = stats.getWebSocketSessionStats();
		return (sessions != null) ? sessions.getLimitExceededSessions() : 0;
	}

	@Bean
	ThreadPoolTaskExecutor contactsExecutor(GatewayProperties properties) {
		ThreadPoolTaskExecutor fetches = new ThreadPoolTaskExecutor();
		fetches.setCorePoolSize(properties.contacts().fetchThreads());
		fetches.setMaxPoolSize(properties.contacts().fetchThreads());
		// Bounded: a reconnect storm waits here instead of growing the heap without end.
		fetches.setQueueCapacity(10_000);
		fetches.setThreadNamePrefix("contacts-");
		return fetches;
	}

	/**
	 * The users' conversations, for the presence fan-out. A user whose contacts changed
	 * presence before the gateway knew them (new contacts; changes while their first read
	 * ran) is told to read those contacts' presence ({@link PresenceRelay}): such a
	 * change reached the user nowhere.
	 */
	@Bean
	ContactBook contactBook(GatewayProperties properties, ThreadPoolTaskExecutor contactsExecutor,
			ClosedSessions closed, Clock clock, MeterRegistry meters, ObjectProvider<PresenceRelay> relay) {
		GatewayProperties.Contacts contacts = properties.contacts();
		// the relay needs the book to find watchers: looked up when first told
		ContactsListener listener = new ContactsListener() {

			@Override
			public void added(String user, Set<String> added) {
				relay.getObject().added(user, added);
			}

			@Override
			public void loaded(String user, Set<String> contacts, long connectedAt, long indexedAt) {
				relay.getObject().loaded(user, contacts, connectedAt, indexedAt);
			}

		};
		return new ContactBook(contacts.url(), contacts.timeout(), contacts.refresh(), contacts.minRefreshInterval(),
				contactsExecutor, closed, clock, meters, listener);
	}

	@Bean
	PresenceRelay presenceRelay(ChatEventCodec codec, ContactBook contacts, ClientFrames frames, PresenceGaps gaps,
			ThreadPoolTaskExecutor presenceExecutor, GatewayProperties properties, MeterRegistry meters) {
		return new PresenceRelay(codec, contacts, frames, gaps, presenceExecutor::getQueueSize,
				properties.presenceRecentChanges(), meters);
	}

	@Bean
	PresenceGaps presenceGaps() {
		return new PresenceGaps();
	}

	/**
	 * The delivery thread, with at most {@code gateway.delivery-queue} publishes waiting
	 * ({@link #oneThreadDroppingOldest}): until 2026-12-07 its queue had no bound, and a
	 * gateway that fell behind its deliveries grew its heap until it ran out.
	 */
	@Bean
	ThreadPoolTaskExecutor deliveryExecutor(GatewayProperties properties, MeterRegistry meters) {
		return oneThreadDroppingOldest("delivery", properties.deliveryQueue(),
				"Publishes of deliveries (messages, acks, receipts) dropped undelivered: more than "
						+ "gateway.delivery-queue waited",
				meters);
	}

	/**
	 * One thread, running what it is given in arrival order, with at most
	 * {@code capacity} tasks waiting: beyond that the oldest waiting one is dropped and
	 * counted in {@code blueprint.chat.gateway.<name>.dropped}, the newest kept. How many
	 * wait is the gauge {@code blueprint.chat.gateway.<name>.waiting}. A Redis pub/sub
	 * subscriber cannot slow its publisher: blocking instead would only move the backlog
	 * into Redis's output buffer for this client, which disconnects it when full (and so
	 * drops everything waiting there at once).
	 */
	static ThreadPoolTaskExecutor oneThreadDroppingOldest(String name, int capacity, String droppedDescription,
			MeterRegistry meters) {
		return oneThreadDroppingOldest(name, capacity, droppedDescription, meters, () -> {
		});
	}

	/**
	 * {@link #oneThreadDroppingOldest(String, int, String, MeterRegistry)}, calling
	 * {@code onDrop} for each dropped task, on the submitting thread, before the task
	 * that displaced it is queued: the thread runs that task after {@code onDrop} has
	 * returned.
	 */
	static ThreadPoolTaskExecutor oneThreadDroppingOldest(String name, int capacity, String droppedDescription,
			MeterRegistry meters, Runnable onDrop) {
		Counter dropped = Counter.builder("blueprint.chat.gateway." + name + ".dropped")
			.description(droppedDescription)
			.register(meters);
		ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
		executor.setCorePoolSize(1);
		executor.setMaxPoolSize(1);
		executor.setQueueCapacity(capacity);
		executor.setThreadNamePrefix(name + "-");
		executor.setRejectedExecutionHandler((task, pool) -> {
			if (!pool.isShutdown()) {
				// null when the thread took it meanwhile: nothing was dropped
				if (pool.getQueue().poll() != null) {
					dropped.increment();
					onDrop.run();
				}
				pool.execute(task);
			}
		});
		Gauge.builder("blueprint.chat.gateway." + name + ".waiting", executor, ThreadPoolTaskExecutor::getQueueSize)
			.description("Tasks waiting for the " + name + " thread (at most gateway." + name + "-queue)")
			.register(meters);
		return executor;
	}

	/** This instance's delivery channel, and the one of every gateway. */
	@Bean
	RedisMessageListenerContainer deliveryChannel(RedisConnectionFactory connections, DeliveryReceiver receiver,
			GatewayProperties properties, ThreadPoolTaskExecutor deliveryExecutor) {
		RedisMessageListenerContainer container = new RedisMessageListenerContainer();
		container.setConnectionFactory(connections);
		// One thread, in arrival order: deliveries of a conversation reach clients in seq
		// order.
		container.setTaskExecutor(deliveryExecutor);
		container.addMessageListener(receiver, new ChannelTopic(GatewayDelivery.channel(properties.id())));
		// Deliveries for users whose sessions notification-service could not look up
		// (their Redis node down): every gateway gets them and pushes them to the users
		// it holds. The same thread: in order with this gateway's own channel.
		container.addMessageListener(receiver,
				new ChannelTopic(GatewayDelivery.channel(GatewayDelivery.EVERY_GATEWAY)));
		return container;
	}

	/**
	 * The presence relay's thread, with at most {@code gateway.presence-queue} changes
	 * waiting ({@link #oneThreadDroppingOldest}; a newer change of the same user may
	 * follow a dropped one, and a client asks for its contacts' presence again when it
	 * reconnects; since 2026-12-07 every session is also told to read presence again once
	 * the queue has drained, {@link PresenceGaps}). Its own thread, not the delivery
	 * thread's: a burst of presence changes (every gateway receives every change) queued
	 * ahead of chat messages and without bound.
	 */
	@Bean
	ThreadPoolTaskExecutor presenceExecutor(GatewayProperties properties, PresenceGaps gaps, MeterRegistry meters) {
		return oneThreadDroppingOldest("presence", properties.presenceQueue(),
				"Presence changes dropped unpushed: more than gateway.presence-queue waited", meters, gaps::missed);
	}

	/**
	 * Every presence change reaches every gateway; each pushes it to its own watchers. A
	 * container (and thread) of its own since 2026-12-07: on the delivery thread, a burst
	 * of presence changes held chat messages up behind it.
	 */
	@Bean
	RedisMessageListenerContainer presenceChannel(RedisConnectionFactory connections, PresenceRelay presence,
			ThreadPoolTaskExecutor presenceExecutor) {
		RedisMessageListenerContainer container = new RedisMessageListenerContainer();
		container.setConnectionFactory(connections);
		container.setTaskExecutor(presenceExecutor);
		container.addMessageListener(presence, new ChannelTopic(PresenceChanged.CHANNEL));
		return container;
	}

	/**
	 * The topic this service produces to, keyed by conversation: created when missing,
	 * and checked to have the same partition count as chat-message-service's (another
	 * count stops the start), never declared to {@link KafkaAdmin}, which would grow it
	 * ({@link KeyedTopics}).
	 */
	@Bean
	KeyedTopics keyedTopics(KafkaAdmin admin, GatewayProperties properties) {
		KeyedTopics keyed = new KeyedTopics(admin.getConfigurationProperties(), properties.topicPartitions(),
				properties.topicReplication(), Duration.ofSeconds(admin.getOperationTimeout()), ChatTopics.SUBMITTED);
		keyed.ensure();
		return keyed;
	}

	/**
	 * The same again, by the platform's retried topic declaration, when Kafka did not
	 * answer while the gateway started.
	 */
	@Bean
	TopicDeclarer keyedTopicsDeclarer(KeyedTopics keyed) {
		return keyed::ensure;
	}

}
