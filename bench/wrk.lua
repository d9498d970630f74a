-- The ceiling (comparison e): wrk sends the benchmark's own requests, with the same headers and
-- bodies as the clients, so its rate is what the server and loopback allow for that call.
--
--   wrk -t2 -c64 -d2s --latency -s bench/wrk.lua http://127.0.0.1:PORT -- CALL ROOM_ID
--
-- CALL: post_comment | load_comments_20 | load_comments_100 | login_or_register.
-- Every posted comment gets its own unique_temp_id (thread id + counter), as the clients' do.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

local call, room, path, method, body
local counter = 0
local get_headers = {
  ["QISCUS_SDK_SECRET"] = "emulator-secret",
  ["QISCUS_SDK_APP_ID"] = "emulator",
  ["User-Agent"] = "qiscus-rs/0.1.0",
}
local post_headers = {
  ["QISCUS_SDK_SECRET"] = "emulator-secret",
  ["QISCUS_SDK_APP_ID"] = "emulator",
  ["User-Agent"] = "qiscus-rs/0.1.0",
  ["Content-Type"] = "application/json",
}

function init(args)
  call = args[1]
  room = args[2] or "1"
  if call == "load_comments_20" then
    method, path = "GET", "/api/v2/rest/load_comments?room_id=" .. room .. "&limit=20"
  elseif call == "load_comments_100" then
    method, path = "GET", "/api/v2/rest/load_comments?room_id=" .. room .. "&limit=100"
  elseif call == "login_or_register" then
    method, path = "POST", "/api/v2/rest/login_or_register"
    body = '{"email":"bench-a@example.com","username":"Bench A","password":"bench-password-1"}'
  elseif call == "post_comment" then
    method, path = "POST", "/api/v2/rest/post_comment"
  else
    error("unknown call " .. tostring(call))
  end
end

function request()
  if call == "post_comment" then
    counter = counter + 1
    local b = string.format(
      '{"sender_email":"bench-a@example.com","room_id":"%s","message":"hello from the benchmark",' ..
      '"type":"text","unique_temp_id":"wrk-%d-%d","disable_link_preview":false}',
      room, tid or 0, counter)
    return wrk.format("POST", path, post_headers, b)
  elseif method == "POST" then
    return wrk.format("POST", path, post_headers, body)
  else
    return wrk.format("GET", path, get_headers, nil)
  end
end
