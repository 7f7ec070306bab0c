package dev.blueprint.platform.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The largest HTTP request body a service reads.
 *
 * @param maxRequestBody a larger body is refused with 413 before anything reads it; one
 * of unknown length (chunked) is read up to this and held while the request is handled,
 * so it bounds what each request in flight can make the service hold. 1 byte to 1 GB
 */
@ConfigurationProperties("blueprint.web")
public record RequestBodyLimitProperties(@DefaultValue("1MB") DataSize maxRequestBody) {

	static final DataSize MAX = DataSize.ofGigabytes(1);

	public RequestBodyLimitProperties {
		if (maxRequestBody.toBytes() < 1 || maxRequestBody.toBytes() > MAX.toBytes()) {
			throw new IllegalArgumentException(
					"blueprint.web.max-request-body must be from 1B to " + MAX + ", was " + maxRequestBody);
		}
	}

}
