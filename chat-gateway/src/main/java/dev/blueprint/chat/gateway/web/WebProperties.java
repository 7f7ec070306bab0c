package dev.blueprint.chat.gateway.web;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The web chat page's settings (the page itself is static, under {@code static/}).
 *
 * @param presenceUrl presence-service's base URL, where {@code /api/v1/presence/**} is
 * forwarded ({@code /api/v1/conversations/**} goes to {@code gateway.contacts.url},
 * chat-message-service)
 * @param proxyTimeout connect and read timeout of one forwarded REST call
 * @param devTokens whether {@code POST /api/v1/dev/token} mints a token for any user name
 * (local stacks only: anyone who can reach the gateway can then act as anyone). Needs the
 * HS256 secret; refused at start-up with an external issuer
 * @param devTokenTtl how long a minted token is valid
 */
@ConfigurationProperties("gateway.web")
public record WebProperties(@DefaultValue("http://127.0.0.1:8085") URI presenceUrl,
		@DefaultValue("10s") Duration proxyTimeout, @DefaultValue("false") boolean devTokens,
		@DefaultValue("12h") Duration devTokenTtl) {

}
