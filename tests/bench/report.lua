-- SPDX-License-Identifier: MIT
-- wrk script of tests/bench/run.sh: optional pipelining, and one machine-readable line.
--   wrk ... -s report.lua URL             one request per write (wrk's own, static)
--   wrk ... -s report.lua URL -- DEPTH    DEPTH requests of the URL in every write
--                                         (DEPTH 2..256), the next write once all
--                                         DEPTH answers are in: wrk's pipelining
-- done() prints
--   BENCH requests=N duration_us=N p50_us=N p99_us=N connect=N read=N write=N status=N timeout=N
-- "requests" counts complete responses (wrk counts each pipelined answer);
-- "status" counts answers with a status above 399; latencies are in
-- microseconds.  With pipelining they would time a whole batch, but wrk
-- 4.1.0's coordinated-omission correction then counts answers as batches
-- and its percentiles come out wrong (often 0): run.sh records none for
-- pipelined runs.
init = function(args)
  local depth = tonumber(args[1] or "1")
  if depth == nil or depth < 1 or depth > 256 or depth % 1 ~= 0 then
    error("report.lua: pipeline depth must be 1..256, not '" .. tostring(args[1]) .. "'")
  end
  if depth > 1 then
    local one = wrk.format()
    local batch = string.rep(one, depth)
    -- wrk parses what request() returns once and expects that many answers per write
    request = function()
      return batch
    end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
