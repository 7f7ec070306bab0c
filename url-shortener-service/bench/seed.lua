-- Creates links as fast as the service takes them and writes their codes to codes.txt
-- (one file per wrk thread, concatenated by run.sh). Stops after SEED_COUNT per thread.
local counter = 0
local target = tonumber(os.getenv("SEED_PER_THREAD") or "50000")
local thread_id
local out

function setup(thread)
  thread:set("tid", tostring(math.random(1, 1e9)))
end

function init(args)
  thread_id = tid
  out = io.open((os.getenv("CODES_DIR") or ".") .. "/codes-" .. thread_id .. ".txt", "w")
end

function request()
  counter = counter + 1
  local body = '{"url":"https://example.com/bench/' .. thread_id .. '/' .. counter .. '"}'
  return wrk.format("POST", "/api/v1/urls", { ["Content-Type"] = "application/json" }, body)
end

local written = 0
function response(status, headers, body)
  if status == 201 then
    local code = body:match('"code":"([^"]+)"')
    if code then
      out:write(code, "\n")
      written = written + 1
    end
  end
  if written >= target then
    out:flush()
    wrk.thread:stop()
  end
end
