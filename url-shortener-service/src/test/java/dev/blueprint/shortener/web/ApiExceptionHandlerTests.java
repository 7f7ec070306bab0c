package dev.blueprint.shortener.web;

import java.util.Map;

import dev.blueprint.shortener.ShortenerProperties;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Query parameters Spring refuses before a handler runs get the service's field problem
 * ({@code field} and {@code errors}), not Spring's default one, which named no field. On
 * a controller with the listing's parameters; {@code BadInputIntegrationTests} checks the
 * listing itself.
 */
class ApiExceptionHandlerTests {

	private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new Listing())
		.setControllerAdvice(new ApiExceptionHandler(new Binder(new MapConfigurationPropertySource(Map.of()))
			.bindOrCreate("shortener", ShortenerProperties.class)))
		.build();

	@Test
	void aParameterOfTheWrongTypeIs400NamingIt() throws Exception {
		this.mvc.perform(get("/listing").param("owner", "me").param("size", "abc"))
			.andExpect(status().isBadRequest())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.field").value("size"))
			.andExpect(jsonPath("$.detail").value("size has an invalid value"))
			.andExpect(jsonPath("$.errors[0].field").value("size"))
			.andExpect(jsonPath("$.errors[0].message").value("has an invalid value"));
	}

	@Test
	void aMissingRequiredParameterIs400NamingIt() throws Exception {
		this.mvc.perform(get("/listing").param("size", "2"))
			.andExpect(status().isBadRequest())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.field").value("owner"))
			.andExpect(jsonPath("$.detail").value("owner is required"))
			.andExpect(jsonPath("$.errors[0].field").value("owner"))
			.andExpect(jsonPath("$.errors[0].message").value("is required"));
	}

	@RestController
	static class Listing {

		@GetMapping("/listing")
		String list(@RequestParam String owner, @RequestParam(required = false) Integer size) {
			return "listed";
		}

	}

}
