-- The mixed load of benchmarks/mixed.py: one wrk thread per logged-in user, one connection each.
--
-- mixed.py fills in the placeholders in braces and runs `wrk -t<users> -c<users>`. Each
-- thread plays one user in a closed loop: it draws an action by the user's weights, sends
-- its requests one after another (a write is: GET the form, POST it with the form's own
-- hidden fields - csrf_token, submission - and follow the redirect), checks every answer
-- (status, a marker of the right page) and thinks between actions. Latencies are taken
-- with clock_gettime around each request and printed in done() for mixed.py to summarise.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } mixed_timespec;
int clock_gettime(int clock_id, mixed_timespec *tp);
]]
local clock = ffi.new("mixed_timespec")

local function now_us()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

USERS = {USERS}
MARKERS = {MARKERS}
THINK_MS = {THINK_MS}
SEED = {SEED}
SELFTEST_DRAWS = {SELFTEST_DRAWS}
ACTIONS = {ACTIONS}

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local function pick(list)
  return list[math.random(#list)]
end

-- Draw an action name with probability weight / sum of weights.
function choose(weights)
  local total = 0
  for _, name in ipairs(ACTIONS) do
    total = total + (weights[name] or 0)
  end
  local left = math.random() * total
  local last = nil
  for _, name in ipairs(ACTIONS) do
    local weight = weights[name] or 0
    if weight > 0 then
      last = name
      left = left - weight
      if left < 0 then
        return name
      end
    end
  end
  return last
end

function urlencode(text)
  return (tostring(text):gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function unescape(text)
  text = text:gsub("&#(%d+);", function(number)
    local code = tonumber(number)
    return code < 128 and string.char(code) or ("&#" .. number .. ";")
  end)
  text = text:gsub("&quot;", '"'):gsub("&lt;", "<"):gsub("&gt;", ">"):gsub("&amp;", "&")
  return text
end

-- The hidden inputs of a page, in order: {{name, value}, ...}.
function hidden_fields(body)
  local fields = {}
  for tag in body:gmatch("<input[^>]*>") do
    if tag:find('type="hidden"', 1, true) then
      local name = tag:match('%sname="([^"]*)"')
      if name then
        table.insert(fields, { name, unescape(tag:match('%svalue="([^"]*)"') or "") })
      end
    end
  end
  return fields
end

-- The value of an <input name="...">, or nil.
function input_value(body, name)
  for tag in body:gmatch("<input[^>]*>") do
    if tag:find('name="' .. name .. '"', 1, true) then
      local value = tag:match('%svalue="([^"]*)"')
      return value and unescape(value)
    end
  end
  return nil
end

-- The selected option of a <select name="...">, else its first option with a value.
function select_value(body, name)
  local start = body:find('name="' .. name .. '"', 1, true)
  if not start then
    return nil
  end
  local finish = body:find("</select>", start, true) or #body
  local first = nil
  for tag in body:sub(start, finish):gmatch("<option[^>]*>") do
    local value = tag:match('value="([^"]+)"')
    if value then
      if tag:find("selected", 1, true) then
        return unescape(value)
      end
      first = first or unescape(value)
    end
  end
  return first
end

-- A urlencoded body: the page's hidden fields (tokens), then ours (ours win a name clash).
function form_body(hidden, fields)
  local ours, parts = {}, {}
  for _, pair in ipairs(fields) do
    ours[pair[1]] = true
  end
  for _, pair in ipairs(hidden) do
    if not ours[pair[1]] then
      table.insert(parts, urlencode(pair[1]) .. "=" .. urlencode(pair[2]))
    end
  end
  for _, pair in ipairs(fields) do
    table.insert(parts, urlencode(pair[1]) .. "=" .. urlencode(pair[2]))
  end
  return table.concat(parts, "&")
end

local function get(kind, path)
  return { kind = kind, method = "GET", path = path, marker = MARKERS[kind] }
end

local function follow_location(_, _, headers)
  local location = headers["Location"] or headers["location"] or ""
  queue = { get("saved", (location:gsub("^https?://[^/]+", ""))) }
end

local function post(kind, path, body)
  return { kind = kind, method = "POST", path = path, body = body, follow = follow_location }
end

local function fill_register(step, body)
  local stamp = string.format("%d-%d", id, math.random(1000000))
  local fields = {
    { "titel", "Lastprov " .. stamp .. ": handläggningstiden för sjukpenning är lång" },
    { "beskrivning", "Flera klienter väntar länge på beslut om sjukpenning. Mönster " .. stamp },
    { "niva", "lokal" },
    { "myndighet_id", select_value(body, "myndighet_id") or "" },
    { "omrade_id", select_value(body, "omrade_id") or "" },
    { "ansvarig_id", select_value(body, "ansvarig_id") or "" },
    { "first_observed_on", input_value(body, "first_observed_on") or "" },
    { "antal_klienter", "2" },
    { "konsekvenser", "Klienterna saknar inkomst under väntetiden." },
    { "forslag_atgard", "Kortare handläggningstider." },
  }
  queue = { post("register_post", step.path, form_body(hidden_fields(body), fields)) }
end

local function fill_observe(step, body)
  local fields = {
    { "observed_on", input_value(body, "observed_on") or "" },
    { "antal_klienter", "1" },
    { "anteckning", "Lastprov: sedd igen." },
  }
  queue = { post("observe_post", step.path, form_body(hidden_fields(body), fields)) }
end

local function plan()
  local action = choose(user.weights)
  actions[action] = (actions[action] or 0) + 1
  local step
  if action == "register" then
    step = get("register_form", user.register)
    step.follow = fill_register
  elseif action == "observe" then
    step = get("observe_form", "/brister/" .. pick(user.observe) .. "/observation")
    step.follow = fill_observe
  elseif action == "detail" then
    step = get("detail", "/brister/" .. pick(user.detail))
  else
    step = get(action, pick(user.paths[action]))
  end
  queue = { step }
end

function init(args)
  user = USERS[(id - 1) % #USERS + 1]
  math.randomseed(SEED * 1000 + id)
  cookie = user.cookie
  queue = {}
  samples, errors, notes, actions = {}, {}, {}, {}
  wait_ms = 0
end

function request()
  if #queue == 0 then
    plan()
  end
  current = table.remove(queue, 1)
  local headers = { Cookie = cookie }
  if current.body then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  started = now_us()
  return wrk.format(current.method, current.path, headers, current.body)
end

-- Why the answer is wrong, or nil when it is the page (or redirect) the step expects.
function problem(step, status, headers, body)
  if step.method == "POST" then
    if status == 302 or status == 303 then
      local location = headers["Location"] or headers["location"] or ""
      if location:find("/login", 1, true) then
        return "redirected to the login page"
      end
      return nil
    end
    local message = body:match('class="[^"]*error[^"]*"[^>]*>%s*([^<]+)') or ""
    return "status " .. status .. " " .. message:sub(1, 120)
  end
  if status ~= 200 then
    return "status " .. status
  end
  if step.marker and not body:find(step.marker, 1, true) then
    return "not the expected page (no " .. step.marker .. ")"
  end
  return nil
end

function response(status, headers, body)
  local elapsed = now_us() - started
  local step = current
  local setcookie = headers["Set-Cookie"] or headers["set-cookie"]
  local session = setcookie and setcookie:match("^session=([^;]*)")
  if session then
    cookie = "session=" .. session
  end
  -- Flat: wrk's thread:get() crashes on a table of tables.
  samples[#samples + 1] = step.kind .. " " .. math.floor(elapsed + 0.5)
  local wrong = problem(step, status, headers, body or "")
  if wrong then
    errors[step.kind] = (errors[step.kind] or 0) + 1
    if #notes < 5 then
      notes[#notes + 1] = (step.method .. " " .. step.path .. ": " .. wrong):gsub("%s+", " ")
    end
    queue = {}
  elseif step.follow then
    step.follow(step, body or "", headers)
  end
  -- Think before a new action and while filling in a form; follow a redirect at once.
  local next_step = queue[1]
  if THINK_MS > 0 and (next_step == nil or next_step.method == "POST") then
    wait_ms = THINK_MS * (0.5 + math.random())
  else
    wait_ms = 0
  end
end

function delay()
  return wait_ms
end

function done(summary, latency, requests)
  for index, thread in ipairs(threads) do
    local by_kind = {}
    for _, sample in ipairs(thread:get("samples")) do
      local kind, value = sample:match("^(%S+) (%d+)$")
      by_kind[kind] = by_kind[kind] or {}
      table.insert(by_kind[kind], value)
    end
    for kind, list in pairs(by_kind) do
      io.write("MIXED_SAMPLES ", index, " ", kind, " ", table.concat(list, ","), "\n")
    end
    for kind, count in pairs(thread:get("errors")) do
      io.write("MIXED_ERRORS ", index, " ", kind, " ", count, "\n")
    end
    for kind, count in pairs(thread:get("actions")) do
      io.write("MIXED_ACTIONS ", index, " ", kind, " ", count, "\n")
    end
    for _, note in ipairs(thread:get("notes")) do
      io.write("MIXED_NOTE ", index, " ", note, "\n")
    end
  end
  local e = summary.errors
  io.write(string.format("MIXED_SUMMARY %d %d %d %d %d %d %d\n", summary.duration,
    summary.requests, e.connect, e.read, e.write, e.status, e.timeout))
  if SELFTEST_DRAWS > 0 then
    math.randomseed(SEED)
    for index, one in ipairs(USERS) do
      local counts = {}
      for _ = 1, SELFTEST_DRAWS do
        local name = choose(one.weights)
        counts[name] = (counts[name] or 0) + 1
      end
      for name, count in pairs(counts) do
        io.write("MIXED_DRAWS ", index, " ", name, " ", count, "\n")
      end
    end
  end
end
