package dev.blueprint.chat.gateway.receipts.core;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReceiptValidationTests {

	private final String conversation = UUID.randomUUID().toString();

	private ReceiptValidation.Result validate(String body) {
		return ReceiptValidation.validate(this.conversation, body.getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void aPositiveIntegerSeqIsValid() {
		ReceiptValidation.Result result = validate("{\"seq\": 42}");
		assertThat(result.valid()).isTrue();
		assertThat(result.seq()).isEqualTo(42);
		assertThat(result.conversationId()).hasToString(this.conversation);
	}

	@Test
	void aMissingNonIntegerOrNonPositiveSeqIsAnInvalidField() {
		for (String body : new String[] { "{}", "{\"seq\":null}", "{\"seq\":\"3\"}", "{\"seq\":1.5}", "{\"seq\":0}",
				"{\"seq\":-1}", "{\"seq\":true}", "{\"seq\":99999999999999999999999}" }) {
			ReceiptValidation.Result result = validate(body);
			assertThat(result.valid()).as(body).isFalse();
			assertThat(result.code()).as(body).isEqualTo("invalid-field");
			assertThat(result.message()).as(body).contains("seq");
		}
	}

	@Test
	void aBodyThatIsNotAJsonObjectIsMalformed() {
		for (String body : new String[] { "", "{not json", "[1]", "7" }) {
			assertThat(validate(body).code()).as(body).isEqualTo("malformed-json");
		}
	}

	@Test
	void aConversationIdThatIsNotAUuidIsAnUnknownConversation() {
		assertThat(ReceiptValidation.validate("nope", "{\"seq\":1}".getBytes(StandardCharsets.UTF_8)).code())
			.isEqualTo("unknown-conversation");
	}

}
