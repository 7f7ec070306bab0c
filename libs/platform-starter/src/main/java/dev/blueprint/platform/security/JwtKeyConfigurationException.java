package dev.blueprint.platform.security;

/**
 * Thrown at start-up when no usable key for verifying bearer tokens is configured.
 */
public class JwtKeyConfigurationException extends IllegalStateException {

	JwtKeyConfigurationException(String message) {
		super(message);
	}

}
