package dev.blueprint.chat.gateway.typing.core;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TypingValidationTests {

	private final String conversation = UUID.randomUUID().toString();

	private TypingValidation.Result validate(String body) {
		return TypingValidation.validate(this.conversation, body.getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void anEmptyBodyOrNoFieldMeansTyping() {
		for (String body : new String[] { "", "  ", "{}", "{\"typing\":null}" }) {
			TypingValidation.Result result = validate(body);
			assertThat(result.valid()).as(body).isTrue();
			assertThat(result.typing()).as(body).isTrue();
			assertThat(result.conversationId()).hasToString(this.conversation);
		}
	}

	@Test
	void typingFalseStopsTheIndicator() {
		assertThat(validate("{\"typing\":false}").typing()).isFalse();
		assertThat(validate("{\"typing\":true,\"extra\":1}").typing()).isTrue();
	}

	@Test
	void badFramesAreRefusedWithTheirCode() {
		assertThat(validate("{nope").code()).isEqualTo("malformed-json");
		assertThat(validate("[true]").code()).isEqualTo("malformed-json");
		assertThat(validate("{\"typing\":\"yes\"}").code()).isEqualTo("invalid-field");
		assertThat(validate("{\"typing\":1}").code()).isEqualTo("invalid-field");
		TypingValidation.Result badId = TypingValidation.validate("x".repeat(60), new byte[0]);
		assertThat(badId.code()).isEqualTo("unknown-conversation");
		assertThat(badId.message()).endsWith("…'");
	}

}
