package dev.blueprint.chat.gateway.messaging;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.gateway.SubmittedTopic;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import dev.blueprint.testsupport.Traceparent;
import dev.blueprint.testsupport.chat.StompTestClient;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first hop of a chat message's trace: a STOMP SEND is not an HTTP request, so the
 * gateway starts the trace itself (or continues the client's {@code traceparent}) and the
 * record it hands to Kafka carries it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureTracing
@RealInfrastructure
class SendTracingIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final String alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);

	@LocalServerPort
	int port;

	private SubmittedTopic submitted;

	@BeforeEach
	void watchSubmittedTopic() {
		this.submitted = SubmittedTopic.fromEnd();
	}

	@AfterEach
	void close() {
		this.submitted.close();
	}

	@Test
	void theSubmittedRecordContinuesTheTraceOfTheFrameOrStartsANewOne() throws Exception {
		Traceparent client = Traceparent.newSampled();
		String conversation = UUID.randomUUID().toString();
		try (StompTestClient stomp = StompTestClient
			.connect("ws://localhost:" + this.port + "/ws", TestTokens.token(this.alice))
			.awaitReady()) {
			stomp.send(conversation, "traced", "hi", Map.of(Traceparent.HEADER, client.toString()));
			Traceparent traced = traceparentOf("traced");
			assertThat(traced.traceId()).isEqualTo(client.traceId());
			assertThat(traced.spanId()).isNotEqualTo(client.spanId());
			assertThat(traced.sampled()).isTrue();

			stomp.send(conversation, "untraced", "hi");
			assertThat(traceparentOf("untraced").traceId()).isNotEqualTo(client.traceId());
		}
	}

	private Traceparent traceparentOf(String clientMessageId) {
		Header header = this.submitted
			.next(ChatEvent.MessageSubmitted.class,
					(message) -> message.senderId().equals(this.alice)
							&& message.clientMessageId().equals(clientMessageId),
					WAIT, "as " + clientMessageId)
			.headers()
			.lastHeader(Traceparent.HEADER);
		assertThat(header).as("traceparent header of " + clientMessageId).isNotNull();
		return Traceparent.parse(header.value());
	}

}
