-- The framework ceiling: a handler that returns a fixed 302 without any lookup. The request is
-- made once in init() and returned by request(), as zipf.lua returns its pre-made ones.
local fixed

function init(args)
  fixed = wrk.format("GET", "/_bench/fixed-redirect")
end

function request()
  return fixed
end

function done(summary, latency, requests)
  io.write(string.format("requests=%d errors(status)=%d p50=%.2fms p99=%.2fms rps=%.0f\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
