package dev.blueprint.ratelimit.check;

import java.util.List;

/**
 * @param allowed whether every check was allowed
 * @param results one per check, in request order
 */
record BatchCheckResponse(boolean allowed, List<CheckResponse> results) {

}
