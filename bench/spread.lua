-- wrk script: spread GETs over the seeded coops and count every answer that is not 2xx.
-- Arguments after `--`: a path template with one %04d (the coop number) and the coop count.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  template = args[1] or "/"
  coops = tonumber(args[2] or "1")
  non2xx = 0
  math.randomseed(os.time() * 100 + id)
end

function request()
  return wrk.format(nil, string.format(template, math.random(0, coops - 1)))
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("non2xx")
  end
  io.write(string.format("non-2xx responses: %d\n", total))
end
