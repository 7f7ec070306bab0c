/**
 * Shared Micrometer defaults: SLO buckets for the request timers every dashboard reads.
 */
package dev.blueprint.platform.metrics;
