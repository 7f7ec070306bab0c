package dev.blueprint.ratelimit.client;

import java.security.Principal;
import java.util.concurrent.Callable;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** A tiny service that uses the starter the way Blueprint's services do. */
@SpringBootApplication
class TestApplication {

	/** Every user name signs in over HTTP Basic with this password. */
	static final String PASSWORD = "test-only-password";

	// Like the services: Spring Security's filter chain decides who the user is.
	// Only /account/** and /profile need one; the other routes stay open.
	@Bean
	SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
		return http.csrf(AbstractHttpConfigurer::disable)
			.httpBasic(Customizer.withDefaults())
			.authorizeHttpRequests((requests) -> {
				requests.requestMatchers("/account/**", "/profile").authenticated();
				requests.anyRequest().permitAll();
			})
			.build();
	}

	// Any name, so each test run limits fresh users in the build's shared Redis.
	@Bean
	UserDetailsService users() {
		return (name) -> User.withUsername(name).password("{noop}" + PASSWORD).roles("USER").build();
	}

	@RestController
	static class Things {

		@RateLimited("create")
		@PostMapping("/things")
		String create() {
			return "created";
		}

		// an async handler: its result comes back through a second dispatch
		@RateLimited("create")
		@PostMapping("/things/later")
		Callable<String> createLater() {
			return () -> "created";
		}

		@GetMapping("/browse/{id}")
		String browse() {
			return "ok";
		}

		// limited by the filter, fail-open
		@GetMapping("/lookup/{id}")
		String lookup() {
			return "ok";
		}

		// limited by the filter, subject USER
		@GetMapping("/account/{id}")
		String account(Principal user) {
			return user.getName();
		}

		@RateLimited(value = "per-user", subject = Subject.USER)
		@GetMapping("/profile")
		String profile(Principal user) {
			return user.getName();
		}

	}

}
