-- run.lua -- a small counting test runner for the asynckit Lua binding.
--
--   LUA_CPATH="<dir with asynckit.so>/?.so;;" lua5.4 run.lua [file-pattern]
--
-- Runs every test file listed below (or those whose name contains the pattern), each test in
-- its own xpcall, prints one line per test and, on the last line, "N passed, N failed". Exits
-- non-zero if any test failed.
--
-- A test file returns a function(T); T.test(name, fn) declares a test, and T offers:
--   T.eq(actual, expected [, what])      equality (deep for tables)
--   T.ok(cond [, what])                  truthiness
--   T.raises(pattern, fn, ...)           fn(...) raises an error whose message matches pattern
--   T.get(v)                             the results of v, failing the test if v failed; bounded
--   T.fails(v)                           message, code of a failed v, failing the test if it did not
--   T.eventually(fn, what)               waits (busy, bounded) until fn() returns true
--   T.pack(...)                          table.pack
--   T.interpreter                        the command running this script (for fresh processes)
--   T.BOUND                              the generous bound, in seconds, on every wait
local here = (arg and arg[0] or ""):match("^(.*)[/\\]") or "."
package.path = here .. "/?.lua;" .. package.path

local files = {
  "test_module",
  "test_pool",
  "test_values",
  "test_lists",
  "test_crossing",
  "test_work",
  "test_parallel",
  "test_coroutines",
  "test_lifetime",
  "test_failed_index",
}

local ak = require "asynckit"
local BOUND = 60 -- seconds: a wait that long means something is stuck

local function interpreter()
  local i = -1
  while arg and arg[i - 1] do i = i - 1 end
  return arg and arg[i] or "lua5.4"
end

local function deep_eq(a, b, seen)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then
    -- NaN is the one value not equal to itself
    return type(a) == "number" and type(b) == "number" and a ~= a and b ~= b
  end
  seen = seen or {}
  if seen[a] == b then return true end
  seen[a] = b
  for k, v in pairs(a) do
    if not deep_eq(v, b[k], seen) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) ~= "table" then return tostring(v) end
  local parts = {}
  for k, x in pairs(v) do parts[#parts + 1] = "[" .. show(k) .. "]=" .. show(x) end
  table.sort(parts)
  return "{" .. table.concat(parts, ", ") .. "}"
end

local T = { interpreter = interpreter(), BOUND = BOUND, pack = table.pack }
local tests = {}

function T.test(name, fn) tests[#tests + 1] = { name = name, fn = fn } end

function T.eq(actual, expected, what)
  if not deep_eq(actual, expected) then
    error(string.format("%sexpected %s, got %s", what and (what .. ": ") or "", show(expected),
      show(actual)), 2)
  end
end

function T.ok(cond, what)
  if not cond then error("expected a true value" .. (what and (": " .. what) or ""), 2) end
  return cond
end

function T.raises(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected an error matching '" .. pattern .. "', got none", 2) end
  if not tostring(err):find(pattern) then
    error("expected an error matching '" .. pattern .. "', got: " .. tostring(err), 2)
  end
  return err
end

function T.get(v)
  local r = table.pack(v:get(BOUND))
  if not v:is_set() then error("value not set within " .. BOUND .. " s", 2) end
  if v:is_error() then error("value failed: " .. tostring(r[2]) .. " (code " .. tostring(r[3]) .. ")", 2) end
  return table.unpack(r, 1, r.n)
end

function T.eventually(fn, what)
  local deadline = ak.now() + BOUND
  while not fn() do
    if ak.now() > deadline then error("not true within " .. BOUND .. " s: " .. (what or "?"), 2) end
  end
end

function T.fails(v)
  local r = table.pack(v:get(BOUND))
  if not v:is_set() then error("value not set within " .. BOUND .. " s", 2) end
  if not v:is_error() then error("expected a failure, got results " .. show(r), 2) end
  if r[1] ~= nil or r.n ~= 3 then error("a failed get must return nil, message, code", 2) end
  return r[2], r[3]
end

local only = ...
local passed, failed = 0, 0
for _, file in ipairs(files) do
  if not only or file:find(only, 1, true) then
    tests = {}
    local chunk = assert(loadfile(here .. "/" .. file .. ".lua"))
    chunk()(T)
    for _, t in ipairs(tests) do
      local ok, err = xpcall(t.fn, debug.traceback)
      if ok then
        passed = passed + 1
        print("ok   " .. file .. ": " .. t.name)
      else
        failed = failed + 1
        print("FAIL " .. file .. ": " .. t.name .. "\n     " .. tostring(err):gsub("\n", "\n     "))
      end
    end
    collectgarbage()
    collectgarbage()
  end
end
print(string.format("%d passed, %d failed", passed, failed))
os.exit(failed == 0 and 0 or 1, true)
