package dev.blueprint.ratelimit.client;

/** How the subject of a limited request is found. */
public enum Subject {

	/** {@code user:<name>} when authenticated, else {@code ip:<client ip>}. */
	USER_OR_IP,

	/** {@code user:<name>}; anonymous requests share {@code user:anonymous}. */
	USER,

	/** {@code ip:<client ip>}, honouring X-Forwarded-For only from trusted proxies. */
	IP,

	/** {@code header:<value>} of a named header (an API key, a tenant id). */
	HEADER

}
