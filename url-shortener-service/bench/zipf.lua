-- GET /{code} over the seeded codes with a Zipf (s = 1) popularity: with 100,000 codes the
-- top 20 % of codes receive ~86 % of the requests (the 80/20 mix the issue asks for).
local codes = {}
local cdf = {}

function init(args)
  for line in io.lines(os.getenv("CODES_FILE") or "codes.txt") do
    codes[#codes + 1] = line
  end
  -- shuffle so popularity is unrelated to creation order
  math.randomseed(42)
  for i = #codes, 2, -1 do
    local j = math.random(i)
    codes[i], codes[j] = codes[j], codes[i]
  end
  local sum = 0
  for k = 1, #codes do
    sum = sum + 1 / k
    cdf[k] = sum
  end
  for k = 1, #codes do
    cdf[k] = cdf[k] / sum
  end
  math.randomseed(os.time() + math.random(1e6))
end

local function pick()
  local u = math.random()
  local lo, hi = 1, #cdf
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return codes[lo]
end

function request()
  return wrk.format("GET", "/" .. pick())
end

function done(summary, latency, requests)
  io.write(string.format("requests=%d errors(status)=%d p50=%.2fms p99=%.2fms rps=%.0f\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
