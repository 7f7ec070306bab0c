package dev.blueprint.ratelimit.check;

import java.util.List;

/**
 * Several checks decided in one call, each independently (one Redis script call each).
 *
 * @param checks 1 to 100 checks
 */
record BatchCheckRequest(List<CheckRequest> checks) {

}
