-- wrk script: cycle through the request paths listed one per line in the file given after `--`,
-- and print the latency percentiles as one line the benchmark reads (milliseconds).
local paths = {}
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  counter = math.random(#paths)
end

function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end

function done(summary, latency, requests)
  io.write(string.format(
    "PERCENTILES p50=%.3f p90=%.3f p99=%.3f max=%.3f errors=%d status=%d\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout, summary.errors.status))
end
