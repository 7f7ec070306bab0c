package dev.blueprint.chat.gateway;

import dev.blueprint.platform.test.PlatformContractIntegrationTests;
import dev.blueprint.testsupport.RealInfrastructure;

@RealInfrastructure
class ChatGatewayPlatformIntegrationTests extends PlatformContractIntegrationTests {

	ChatGatewayPlatformIntegrationTests() {
		super("redis", "kafka");
	}

}
