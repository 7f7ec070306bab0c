package dev.blueprint.chat.gateway;

import dev.blueprint.platform.test.ServiceArchitectureTests;

class ChatGatewayArchitectureTests extends ServiceArchitectureTests {

	ChatGatewayArchitectureTests() {
		super("dev.blueprint.chat.gateway");
	}

}
