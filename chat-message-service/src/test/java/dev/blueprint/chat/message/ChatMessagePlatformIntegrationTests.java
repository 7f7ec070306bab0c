package dev.blueprint.chat.message;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.platform.test.PlatformContractIntegrationTests;
import dev.blueprint.testsupport.RealInfrastructure;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

@RealInfrastructure
class ChatMessagePlatformIntegrationTests extends PlatformContractIntegrationTests {

	ChatMessagePlatformIntegrationTests() {
		super("kafka", "cassandra");
	}

	@Test
	void createsAndUsesItsKeyspace(@Autowired CqlSession session) {
		assertThat(session.getKeyspace()).hasValue(CqlIdentifier.fromCql("blueprint_chat"));
	}

}
