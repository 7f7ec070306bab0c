-- Blueprint rate limiter: atomic decisions over every limit of one bucket, for one request
-- or for several requests on the same bucket decided one after another in order.
--
-- KEYS[i]  state key of limit i; all keys share one hash tag, so one cluster slot.
-- ARGV[1]  n, the number of requests (>= 1)
-- ARGV[1 + r]  cost of request r, r = 1..n (permits it takes, >= 1), in arrival order
-- ARGV[1 + n + 4(i-1) + 1..4]  limit i: algorithm (1 token bucket, 2 sliding window log,
--          3 sliding window counter, 4 fixed window), permits, window (microseconds), burst
--
-- Time is Redis server time (TIME), never the caller's clock; all requests of one call are
-- decided at the same instant. A request is charged to every limit only if every limit
-- admits it (check all, then commit all), and the next request sees what it was charged:
-- the answers are exactly those of n separate calls made at that instant.
--
-- Returns, per request in order: {allowed, then per limit: allowed, remaining, reset ms,
-- retry-after ms}.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local requests = tonumber(ARGV[1])
local EPS = 1e-9

local function int(x)
  return string.format('%.0f', x)
end

-- 100 years: a token bucket of 10^12 permits refilled one a year takes 10^12 years to fill,
-- beyond what PEXPIRE takes and what converts to a Redis integer (the script failed)
local MAX_MS = 3153600000000

local function ms(micros)
  if micros <= 0 then return 0 end
  -- the epsilon keeps floating-point noise (3000000.0000000004 µs) from adding a millisecond
  return math.min(math.ceil(micros / 1000 - 1e-6), MAX_MS)
end

local limits = {}
for i = 1, #KEYS do
  local base = 1 + requests + (i - 1) * 4
  limits[i] = { key = KEYS[i], algorithm = tonumber(ARGV[base + 1]), permits = tonumber(ARGV[base + 2]),
    window = tonumber(ARGV[base + 3]), burst = tonumber(ARGV[base + 4]) }
end

-- Hash state is read once per key and written once at the end, so a batch costs a few
-- commands whatever its size (the sliding window log, a sorted set, is called directly).
-- Between the two it lives in `cache` as the numbers Redis would read back: fractions are
-- written as Lua numbers (Redis stores them with %.17g, which round-trips), integers
-- with int().
local FIELDS = { [1] = { 'tk', 'ts' }, [3] = { 'w', 'c', 'p' }, [4] = { 'w', 'c' } }
local cache = {}
local written = {}
local expires = {}
local kinds = {}

local function state(key, algorithm)
  local s = cache[key]
  if s == nil then
    s = {}
    local fields = FIELDS[algorithm]
    local values = redis.call('HMGET', key, unpack(fields))
    for f = 1, #fields do s[fields[f]] = tonumber(values[f]) end
    cache[key] = s
  end
  return s
end

-- every write of a key sets all of its algorithm's fields
local function wrote(key, algorithm, expire)
  if expires[key] == nil then written[#written + 1] = key end
  expires[key] = expire
  kinds[key] = algorithm
end

local result = {}

local function decide(cost)
  local checks = {}
  local all = true

  for i = 1, #KEYS do
    local limit = limits[i]
    local key = limit.key
    local algorithm = limit.algorithm
    local permits = limit.permits
    local window = limit.window
    local burst = limit.burst
    local c = { key = key, algorithm = algorithm, permits = permits, window = window, burst = burst }

    if algorithm == 1 then
      -- token bucket: hash {tk = tokens, ts = last refill (µs)}
      local s = state(key, 1)
      local tokens = s.tk
      local ts = s.ts
      if tokens == nil or ts == nil then
        tokens = burst
        ts = now
      end
      local rate = permits / window
      if now > ts then
        tokens = math.min(burst, tokens + (now - ts) * rate)
        ts = now
      end
      c.tokens = tokens
      c.ts = ts
      c.allowed = tokens + EPS >= cost
      c.remainingBefore = math.floor(tokens + EPS)
      c.remainingAfter = math.floor(tokens - cost + EPS)
      c.resetBefore = (burst - tokens) / rate
      c.resetAfter = (burst - tokens + cost) / rate
      if c.allowed then c.retry = 0 else c.retry = (cost - tokens) / rate end

    elseif algorithm == 2 then
      -- sliding window log: sorted set of admitted permits scored by admission time (µs)
      redis.call('ZREMRANGEBYSCORE', key, '-inf', int(now - window))
      local count = redis.call('ZCARD', key)
      c.allowed = count + cost <= permits
      c.remainingBefore = permits - count
      c.remainingAfter = permits - count - cost
      c.resetBefore = 0
      c.last = nil
      if count > 0 then
        local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
        c.last = tonumber(newest[2])
        c.resetBefore = c.last + window - now
      end
      c.resetAfter = window
      c.retry = 0
      if not c.allowed then
        local mustExpire = count + cost - permits
        if mustExpire > count then
          c.retry = window
        else
          local entry = redis.call('ZRANGE', key, mustExpire - 1, mustExpire - 1, 'WITHSCORES')
          c.retry = tonumber(entry[2]) + window - now
        end
      end

    elseif algorithm == 3 then
      -- sliding window counter: hash {w = window index, c = current count, p = previous count}
      local index = math.floor(now / window)
      local s = state(key, 3)
      local w = s.w
      local current = s.c or 0
      local previous = s.p or 0
      if w ~= index then
        if w == index - 1 then previous = current else previous = 0 end
        current = 0
      end
      local elapsed = (now - index * window) / window
      local estimate = previous * (1 - elapsed) + current
      local untilNext = (index + 1) * window - now
      c.index = index
      c.current = current
      c.previous = previous
      c.allowed = estimate + cost <= permits + EPS
      c.remainingBefore = math.floor(permits - estimate + EPS)
      c.remainingAfter = math.floor(permits - estimate - cost + EPS)
      if current > 0 then
        c.resetBefore = untilNext + window
      elseif previous > 0 then
        c.resetBefore = untilNext
      else
        c.resetBefore = 0
      end
      c.resetAfter = untilNext + window
      c.retry = 0
      if not c.allowed then
        if current + cost <= permits and previous > 0 then
          local fraction = 1 - (permits - current - cost) / previous
          c.retry = math.max(0, (fraction - elapsed) * window)
        elseif current == 0 or cost > permits then
          c.retry = untilNext
        else
          local fraction = 1 - (permits - cost) / current
          c.retry = untilNext + math.max(0, fraction) * window
        end
      end

    else
      -- fixed window: hash {w = window index, c = count}
      local index = math.floor(now / window)
      local s = state(key, 4)
      local count = 0
      if s.w == index then count = s.c or 0 end
      local untilNext = (index + 1) * window - now
      c.index = index
      c.count = count
      c.allowed = count + cost <= permits
      c.remainingBefore = permits - count
      c.remainingAfter = permits - count - cost
      if count == 0 then c.resetBefore = 0 else c.resetBefore = untilNext end
      c.resetAfter = untilNext
      c.retry = untilNext
    end

    checks[i] = c
    all = all and c.allowed
  end

  result[#result + 1] = all and 1 or 0
  for i = 1, #checks do
    local c = checks[i]
    local remaining = c.remainingBefore
    local reset = c.resetBefore
    if all then
      remaining = c.remainingAfter
      reset = c.resetAfter
      if c.algorithm == 1 then
        local s = cache[c.key]
        s.tk = c.tokens - cost
        s.ts = c.ts
        wrote(c.key, 1, ms(c.resetAfter) + 1000)
      elseif c.algorithm == 2 then
        -- strictly increasing scores keep members unique even within one microsecond
        local score = now
        if c.last ~= nil and c.last >= score then score = c.last + 1 end
        -- in chunks: unpack() of thousands of arguments would overflow Lua's C stack
        local member = int(score)
        local j = 1
        while j <= cost do
          local args = {}
          local last = math.min(cost, j + 499)
          for k = j, last do
            args[#args + 1] = member
            args[#args + 1] = member .. ':' .. k
          end
          redis.call('ZADD', c.key, unpack(args))
          j = last + 1
        end
        redis.call('PEXPIRE', c.key, ms(c.window) + 1000)
      elseif c.algorithm == 3 then
        local s = cache[c.key]
        s.w = c.index
        s.c = c.current + cost
        s.p = c.previous
        wrote(c.key, 3, ms(2 * c.window) + 1000)
      else
        local s = cache[c.key]
        s.w = c.index
        s.c = c.count + cost
        wrote(c.key, 4, ms(c.resetAfter) + 1000)
      end
    end
    if remaining < 0 then remaining = 0 end
    local retry = 0
    if not c.allowed then retry = ms(c.retry) end
    result[#result + 1] = c.allowed and 1 or 0
    result[#result + 1] = remaining
    result[#result + 1] = ms(reset)
    result[#result + 1] = retry
  end
end

for r = 1, requests do
  decide(tonumber(ARGV[1 + r]))
end
for _, key in ipairs(written) do
  local s = cache[key]
  local fields = FIELDS[kinds[key]]
  local args = {}
  for f = 1, #fields do
    local value = s[fields[f]]
    if value == math.floor(value) then value = int(value) end
    args[#args + 1] = fields[f]
    args[#args + 1] = value
  end
  redis.call('HSET', key, unpack(args))
  redis.call('PEXPIRE', key, expires[key])
end
return result
