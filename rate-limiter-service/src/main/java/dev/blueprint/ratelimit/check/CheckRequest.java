package dev.blueprint.ratelimit.check;

/**
 * One check: a rule by name ({@code rule}) or by the API it protects ({@code api}), the
 * subject, and optionally the cost.
 *
 * @param rule the rule's name
 * @param api the route or operation of a rule, e.g. {@code POST /api/v1/urls}
 * @param subject who is limited: user id, client IP, API key, ...; at most 256 characters
 * @param cost permits the request takes (default 1), at most the rule's capacity
 */
record CheckRequest(String rule, String api, String subject, Long cost) {

}
