package dev.blueprint.chat.gateway;

import java.time.Duration;

import dev.blueprint.chat.gateway.stomp.StompAuthentication;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.tomcat.websocket.WsWebSocketContainer;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.simp.config.ChannelRegistration;
import org.springframework.messaging.simp.config.MessageBrokerRegistry;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.util.unit.DataSize;
import org.springframework.web.socket.config.annotation.EnableWebSocketMessageBroker;
import org.springframework.web.socket.config.annotation.StompEndpointRegistry;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketTransportRegistration;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;

/**
 * STOMP over WebSocket at {@code /ws} and over SockJS at {@code /sockjs} (whose
 * xhr-streaming and xhr-polling transports are the fallback when WebSocket is blocked).
 * The in-memory broker only routes to this gateway's own sessions
 * ({@code /user/queue/*}); messages between gateways travel through Kafka and Redis.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocketMessageBroker
class WebSocketConfiguration implements WebSocketMessageBrokerConfigurer {

	private final GatewayProperties properties;

	private final StompAuthentication authentication;

	private final TaskScheduler heartbeats;

	private final MeterRegistry meters;

	private final InboundBacklog backlog;

	private final GoingAway goingAway;

	WebSocketConfiguration(GatewayProperties properties, StompAuthentication authentication,
			TaskScheduler stompHeartbeats, MeterRegistry meters, InboundBacklog backlog, GoingAway goingAway) {
		this.properties = properties;
		this.authentication = authentication;
		this.heartbeats = stompHeartbeats;
		this.meters = meters;
		this.backlog = backlog;
		this.goingAway = goingAway;
	}

	@Override
	public void registerStompEndpoints(StompEndpointRegistry registry) {
		String[] origins = this.properties.allowedOrigins().toArray(String[]::new);
		// Frames of one session are handled in the order they arrive: a client's messages
		// reach Kafka (and get their seqs) in the order it sent them.
		registry.setPreserveReceiveOrder(true);
		registry.addEndpoint("/ws").setAllowedOriginPatterns(origins).addInterceptors(this.authentication);
		registry.addEndpoint("/sockjs")
			.setHandshakeHandler(new SockJsHandshake((int) this.properties.maxFrameSize().toBytes()))
			.setAllowedOriginPatterns(origins)
			.addInterceptors(this.authentication)
			.withSockJS();
	}

	@Override
	public void configureMessageBroker(MessageBrokerRegistry registry) {
		long heartbeat = this.properties.heartbeat().toMillis();
		registry.enableSimpleBroker("/queue", "/topic")
			.setHeartbeatValue(new long[] { heartbeat, heartbeat })
			.setTaskScheduler(this.heartbeats);
		registry.setApplicationDestinationPrefixes("/app");
		registry.setUserDestinationPrefix("/user");
		registry.setPreservePublishOrder(true);
		// Each frame to a session's queue looks its destination up here; a miss scans
		// every subscription of every session (5 % of the gateway's CPU samples at 1,000
		// sessions with Spring's default limit of 1,024 destinations, six per session).
		registry.setCacheLimit(this.properties.subscriptionCacheLimit());
	}

	@Override
	public void configureClientInboundChannel(ChannelRegistration registration) {
		// The backlog first: a frame another interceptor refuses has left the queue too.
		registration.interceptors(this.backlog, this.authentication);
		// A SEND waits on a Redis round trip (the per-user rate limit) and a Kafka
		// hand-off; the default pool (2 threads per core) queued frames for minutes in
		// the benchmark.
		registration.taskExecutor()
			.corePoolSize(this.properties.inboundThreads())
			.maxPoolSize(this.properties.inboundThreads());
	}

	/**
	 * Spring's default is two threads per core: on two cores, two clients that stopped
	 * reading held all four for 20 s (SessionTimeouts).
	 */
	@Override
	public void configureClientOutboundChannel(ChannelRegistration registration) {
		registration.taskExecutor()
			.corePoolSize(this.properties.outboundThreads())
			.maxPoolSize(this.properties.outboundThreads());
	}

	/**
	 * Frames up to {@code gateway.max-frame-size}, taken in parts of the container's
	 * buffer size ({@link PartialMessages}).
	 */
	@Override
	public void configureWebSocketTransport(WebSocketTransportRegistration registration) {
		int limit = (int) this.properties.maxFrameSize().toBytes();
		registration.setMessageSizeLimit(limit);
		int buffer = (int) this.properties.messageBufferSize().toBytes();
		registration.addDecoratorFactory((handler) -> new PartialMessages(handler, limit, buffer));
		registration.addDecoratorFactory(this.backlog::decorate);
		Duration silence = this.properties.clientSilenceTimeout();
		Duration sendTimeLimit = this.properties.sendTimeLimit();
		Counter sendTimeouts = Counter.builder(GatewayConfiguration.SESSIONS_TERMINATED)
			.description(GatewayConfiguration.SESSIONS_TERMINATED_DESCRIPTION)
			.tag("reason", "send-timeout")
			.register(this.meters);
		registration
			.addDecoratorFactory((handler) -> new SessionTimeouts(handler, silence, sendTimeLimit, sendTimeouts));
		// Outermost: the sessions as the container made them, closed at shutdown.
		registration.addDecoratorFactory(this.goingAway::decorate);
		// A client that stops reading is closed once a write to it has waited this long
		// (Tomcat, SessionTimeouts), or, when another frame for it comes meanwhile, once
		// the wait is longer or this much is queued behind it (Spring).
		registration.setSendTimeLimit((int) sendTimeLimit.toMillis());
		registration.setSendBufferSizeLimit((int) this.properties.sendBufferLimit().toBytes());
	}

	/**
	 * The container's per-session message buffers ({@code gateway.message-buffer-size}).
	 * Tomcat allocates them for every session up front. Before the gateway took messages
	 * in parts, a message beyond them closed the connection (1009) before STOMP saw it,
	 * so they had to hold the largest frame.
	 */
	@Bean
	ServletServerContainerFactoryBean webSocketContainer() {
		DataSize buffer = this.properties.messageBufferSize();
		ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean() {

			@Override
			public void afterPropertiesSet() {
				super.afterPropertiesSet();
				// Idle and close timeouts checked each second, not every 10 s
				// (SessionTimeouts).
				if (getObject() instanceof WsWebSocketContainer tomcat) {
					tomcat.setProcessPeriod(1);
				}
			}

		};
		container.setMaxTextMessageBufferSize((int) buffer.toBytes());
		container.setMaxBinaryMessageBufferSize((int) buffer.toBytes());
		return container;
	}

	/**
	 * WebSocket compression only when {@code gateway.per-message-deflate} is on; on the
	 * handshake paths only.
	 */
	@Bean
	FilterRegistrationBean<WebSocketCompression> webSocketCompression() {
		FilterRegistrationBean<WebSocketCompression> registration = new FilterRegistrationBean<>(
				new WebSocketCompression(this.properties.perMessageDeflate()));
		registration.addUrlPatterns("/ws", "/ws/*", "/sockjs/*");
		return registration;
	}

	/**
	 * Static: built while the web server factory is customized, it must not bring this
	 * configuration (and the JWT decoder and scheduler it takes) up early.
	 */
	@Bean
	static TomcatSessionBuffers tomcatSessionBuffers(GatewayProperties properties) {
		return new TomcatSessionBuffers(properties);
	}

}
