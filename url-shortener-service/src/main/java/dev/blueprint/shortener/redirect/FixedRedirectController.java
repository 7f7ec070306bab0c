package dev.blueprint.shortener.redirect;

import io.swagger.v3.oas.annotations.Hidden;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A trivial fixed 302: the framework's ceiling that the benchmark compares the redirect
 * path with. Off unless {@code shortener.benchmark-endpoint=true}.
 */
@RestController
@Hidden
@ConditionalOnProperty(name = "shortener.benchmark-endpoint", havingValue = "true")
class FixedRedirectController {

	@GetMapping("/_bench/fixed-redirect")
	ResponseEntity<Void> fixed() {
		return ResponseEntity.status(HttpStatus.FOUND).header(HttpHeaders.LOCATION, "https://example.com/").build();
	}

}
