package dev.blueprint.ratelimit.client;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits a Spring MVC handler method (or every handler of a controller) by a rate-limit
 * rule. A denied request gets 429 with {@code Retry-After} and a problem+json body; every
 * limited response carries the {@code RateLimit}, {@code RateLimit-Policy} and
 * {@code X-RateLimit-*} headers.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RateLimited {

	/** The rule's name. */
	String value();

	/** Who is limited; by default the authenticated user, else the client IP. */
	Subject subject() default Subject.USER_OR_IP;

	/** With {@link Subject#HEADER}: the header whose value is the subject. */
	String header() default "";

	/** Permits each request takes. */
	long cost() default 1;

}
