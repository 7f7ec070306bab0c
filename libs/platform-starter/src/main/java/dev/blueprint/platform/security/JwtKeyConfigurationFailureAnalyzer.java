package dev.blueprint.platform.security;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

class JwtKeyConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<JwtKeyConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, JwtKeyConfigurationException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"Set BLUEPRINT_JWT_HMAC_SECRET (blueprint.security.jwt.hmac-secret) to a secret of at least "
						+ HmacJwtDecoders.MIN_SECRET_BYTES + " bytes, or point the service at an external issuer with "
						+ "spring.security.oauth2.resourceserver.jwt.issuer-uri or jwk-set-uri.",
				cause);
	}

}
