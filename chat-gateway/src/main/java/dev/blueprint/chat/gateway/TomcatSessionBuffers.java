package dev.blueprint.chat.gateway;

import org.apache.tomcat.websocket.WsWebSocketContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;

/**
 * Sizes the buffers Tomcat holds for every open connection other than the WebSocket
 * message buffers ({@code gateway.message-buffer-size}): the socket's read and write
 * buffers (connector properties {@code socket.appReadBufSize} /
 * {@code socket.appWriteBufSize}, 8 KiB each by default) and the WebSocket frame input,
 * output and text encoder buffers (Tomcat's
 * {@code org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE}, 8 KiB): five byte buffers.
 * They only bound how much is read or written at a time, not a message's size; at 2 KiB
 * instead of 8 an idle session takes 64 KiB of heap instead of 95 (the gateway README's
 * idle benchmark). Under TLS Tomcat enlarges the socket buffers to the TLS record size,
 * so only the WebSocket ones shrink there.
 * <p>
 * Tomcat reads its WebSocket constant once per JVM, when its WebSocket classes load, so
 * the system property is set here, before the server starts. If they were loaded before
 * (another server in the same JVM) the value they took is kept and a warning says so. A
 * Tomcat WebSocket client in the same JVM takes it as its default message buffer size too
 * (the tests' clients set their own).
 */
class TomcatSessionBuffers implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

	static final String WEBSOCKET_BUFFER_PROPERTY = "org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE";

	private static final Logger logger = LoggerFactory.getLogger(TomcatSessionBuffers.class);

	private final int size;

	TomcatSessionBuffers(GatewayProperties properties) {
		this.size = (int) properties.ioBufferSize().toBytes();
	}

	@Override
	public void customize(TomcatServletWebServerFactory factory) {
		System.setProperty(WEBSOCKET_BUFFER_PROPERTY, Integer.toString(this.size));
		int webSocket = webSocketBufferSize();
		if (webSocket != this.size) {
			logger.warn("gateway.io-buffer-size is " + this.size + " bytes but Tomcat's WebSocket buffers were sized "
					+ webSocket + " bytes before this server started (they are read once per JVM)");
		}
		String value = Integer.toString(this.size);
		factory.addConnectorCustomizers((connector) -> {
			connector.setProperty("socket.appReadBufSize", value);
			connector.setProperty("socket.appWriteBufSize", value);
		});
	}

	/** The size Tomcat's WebSocket buffers have in this JVM. */
	static int webSocketBufferSize() {
		// A container's default message buffer size is that same constant.
		return new WsWebSocketContainer().getDefaultMaxTextMessageBufferSize();
	}

}
