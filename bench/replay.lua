-- wrk script: replay pre-built raw HTTP requests from a file, each at most once (or cycling).
-- The file holds records "<byte count>\n<raw request>". Arguments after `--`: the file, then
-- "once" (stop the thread when the records run out) or "cycle" (start again from the first),
-- then the Host for the idle request sent while stopping. Counts 202 answers, other answers,
-- and how many records were taken (one is taken by wrk's own check before the run).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local data = file:read("*a")
  file:close()
  once = args[2] == "once"
  records, taken, accepted, other, exhausted = {}, 0, 0, 0, 0
  local position = 1
  while position <= #data do
    local newline = string.find(data, "\n", position, true)
    local size = tonumber(string.sub(data, position, newline - 1))
    records[#records + 1] = string.sub(data, newline + 1, newline + size)
    position = newline + size + 1
  end
  idle = "GET /.well-known/nodeinfo HTTP/1.1\r\nHost: " .. (args[3] or "localhost") .. "\r\n\r\n"
end

function request()
  if taken >= #records then
    if once then
      exhausted = 1
      wrk.thread:stop()
      return idle
    end
    taken = 0
  end
  taken = taken + 1
  return records[taken]
end

function response(status, headers, body)
  if exhausted == 1 then
    return
  elseif status == 202 then
    accepted = accepted + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = {taken = 0, accepted = 0, other = 0, exhausted = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  io.write(string.format("replay: taken %d accepted %d other %d exhausted %d\n",
    totals.taken, totals.accepted, totals.other, totals.exhausted))
end
