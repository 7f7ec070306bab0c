package dev.blueprint.ratelimit.client;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** A tiny service that uses the starter the way Blueprint's services do. */
@SpringBootApplication
class TestApplication {

	@RestController
	static class Things {

		@RateLimited("create")
		@PostMapping("/things")
		String create() {
			return "created";
		}

		@GetMapping("/browse/{id}")
		String browse() {
			return "ok";
		}

	}

}
