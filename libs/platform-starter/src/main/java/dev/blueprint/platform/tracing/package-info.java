/**
 * Structured logs and tracing defaults, and continuing a trace across hops that are not
 * HTTP requests or record listeners.
 */
package dev.blueprint.platform.tracing;
