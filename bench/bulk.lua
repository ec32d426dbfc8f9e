-- wrk script of the bulk scenario (bench/run.sh): POST /_bulk with the NDJSON body in
-- the file named by BENCH_BULK_BODY and the Authorization header in BENCH_AUTH.
local path = os.getenv("BENCH_BULK_BODY")
local f = assert(io.open(path, "rb"), "cannot open BENCH_BULK_BODY " .. tostring(path))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/x-ndjson"
wrk.headers["Authorization"] = assert(os.getenv("BENCH_AUTH"), "BENCH_AUTH is not set")
