package dev.blueprint.chat.message;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class ChatMessageApplication {

	public static void main(String[] args) {
		SpringApplication.run(ChatMessageApplication.class, args);
	}

}
