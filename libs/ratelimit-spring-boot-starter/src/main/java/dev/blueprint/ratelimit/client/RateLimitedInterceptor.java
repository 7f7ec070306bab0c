package dev.blueprint.ratelimit.client;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/** Enforces {@link RateLimited} on handler methods and controllers. */
class RateLimitedInterceptor implements HandlerInterceptor {

	private final RateLimitEnforcer enforcer;

	RateLimitedInterceptor(RateLimitEnforcer enforcer) {
		this.enforcer = enforcer;
	}

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
			throws Exception {
		// An async handler's result comes back through a second dispatch: the request was
		// charged on the first (before 2026-12-06 it was charged twice)
		if (request.getDispatcherType() == DispatcherType.ASYNC || !(handler instanceof HandlerMethod method)) {
			return true;
		}
		RateLimited limited = find(method);
		if (limited == null) {
			return true;
		}
		return this.enforcer.enforce(request, response, limited.value(), limited.subject(), limited.header(),
				limited.cost());
	}

	/**
	 * The annotation that applies to a handler: the method's, else its controller's. Also
	 * used by the start-up check, so both see the same one.
	 */
	static RateLimited find(HandlerMethod method) {
		RateLimited limited = AnnotatedElementUtils.findMergedAnnotation(method.getMethod(), RateLimited.class);
		if (limited == null) {
			limited = AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(), RateLimited.class);
		}
		return limited;
	}

}
