package dev.blueprint.chat.gateway;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway that stops closes its clients' sessions with 1001 (going away), so they
 * reconnect to another instance, and takes them out of the presence registry before its
 * Redis connections close: its users do not look online until their leases end.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class GoingAwayIntegrationTests {

	/** The test's own property sources the gateway that stops is started with. */
	private static final List<String> TEST_SOURCES = List.of("blueprintRealInfrastructure", "blueprintTestJwt",
			"Inlined Test Properties");

	@Autowired
	ConfigurableEnvironment environment;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	GatewayProperties properties;

	/**
	 * A gateway of its own, on the test's servers: the test's context is shared with
	 * other test classes.
	 */
	private ConfigurableApplicationContext startAnotherGateway() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("leaving", Map.of("server.port", "0")));
		for (String name : TEST_SOURCES) {
			PropertySource<?> source = this.environment.getPropertySources().get(name);
			if (source != null) {
				environment.getPropertySources().addLast(source);
			}
		}
		return new SpringApplicationBuilder(ChatGatewayApplication.class).environment(environment).run();
	}

	@Test
	void aStoppingGatewayClosesEverySessionWithGoingAwayAndUnregistersIt() throws Exception {
		String run = UUID.randomUUID().toString().substring(0, 8);
		List<String> users = List.of("leaving-a-" + run, "leaving-b-" + run, "leaving-c-" + run);
		List<RawStompSocket> sockets = new ArrayList<>();
		// the registry read after the gateway's own connections have closed
		LettuceConnectionFactory connections = new LettuceConnectionFactory(
				((LettuceConnectionFactory) this.redis.getConnectionFactory()).getStandaloneConfiguration());
		connections.afterPropertiesSet();
		connections.start();
		try {
			SessionRegistry registry = new SessionRegistry(new StringRedisTemplate(connections),
					this.properties.sessionLease(), Clock.systemUTC());
			ConfigurableApplicationContext leaving = startAnotherGateway();
			int port = leaving.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
			for (String user : users) {
				RawStompSocket socket = RawStompSocket.open(port);
				sockets.add(socket);
				socket.send("CONNECT", "", "accept-version:1.2", "heart-beat:0,0",
						"Authorization:Bearer " + TestTokens.token(user));
				assertThat(socket.next(Duration.ofSeconds(10))).startsWith("CONNECTED");
			}
			long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
			while (registry.sessionsOf(users).size() < users.size() && System.nanoTime() < deadline) {
				Thread.sleep(50);
			}
			assertThat(registry.sessionsOf(users)).as("registered").hasSize(users.size());

			leaving.close();

			for (RawStompSocket socket : sockets) {
				assertThat(socket.closedWith(Duration.ofSeconds(5))).isEqualTo(1001);
			}
			assertThat(registry.sessionsOf(users)).as("unregistered, not left until their leases end").isEmpty();
		}
		finally {
			for (RawStompSocket socket : sockets) {
				socket.close();
			}
			connections.destroy();
		}
	}

}
