package dev.blueprint.chat.message;

import dev.blueprint.platform.test.ServiceArchitectureTests;

class ChatMessageArchitectureTests extends ServiceArchitectureTests {

	ChatMessageArchitectureTests() {
		super("dev.blueprint.chat.message");
	}

}
