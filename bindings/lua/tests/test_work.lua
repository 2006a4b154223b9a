-- Inside work: the worker-side module, errors and their messages, require, worker states.
local ak = require "asynckit"

return function(T)
  local pool = ak.pool { workers = 2 }

  T.test("the worker-side module is the global ak and what require 'asynckit' returns", function()
    local r = T.pack(T.get(pool:spawn(function()
      local m = require "asynckit"
      return m == _G.ak, m.worker, m.pool == nil, m.promise == nil, type(m.cancelled),
        type(m.fail), type(m.input), type(m.inputs), type(m.now), type(m.sleep), m.EWORK,
        m.strerror(m.ETIMEDOUT), m.version() == m.VERSION
    end)))
    T.eq(r, { n = 13, true, true, true, true, "function", "function", "function", "function",
      "function", "function", ak.EWORK, "timed out", true })
  end)

  T.test("ak.cancelled() is false in work nobody cancelled", function()
    T.eq(T.get(pool:spawn(function() return ak.cancelled() end)), false)
  end)

  T.test("ak.inputs and ak.input read spawn_after dependencies with all their results", function()
    local a = ak.promise():set("a1", "a2")
    local b = ak.promise():set()
    local v = pool:spawn_after({ a, b }, function()
      return ak.inputs(), T_pack(ak.input(1)), T_pack(ak.input(2))
    end)
    -- T_pack is not defined in the worker: this fails, proving globals are the worker's own
    local msg = T.fails(v)
    T.ok(msg:find("attempt to call a nil value %(global 'T_pack'%)"), msg)
    local w = pool:spawn_after({ a, b }, function()
      return ak.inputs(), table.pack(ak.input(1)), table.pack(ak.input(2))
    end)
    T.eq(T.pack(T.get(w)), { n = 3, 2, { n = 2, "a1", "a2" }, { n = 0 } })
  end)

  T.test("ak.input on a chain: the value chained on, or each element of a join", function()
    local a, b = ak.promise():set(1, 2), ak.promise():set(3)
    local c1 = a:chain(function() return ak.inputs(), select("#", ak.input(1)) end)
    T.eq(T.pack(T.get(c1)), { n = 2, 1, 2 })
    local c2 = ak.join { a, b }:chain(function() return ak.inputs(), ak.input(2), select("#", ak.input(1)) end)
    T.eq(T.pack(T.get(c2)), { n = 3, 2, 3, 2 })
    local c3 = pool:spawn(function() return ak.inputs() end)
    T.eq(T.get(c3), 0)
  end)

  T.test("ak.input out of range fails the work with a message", function()
    local msg, code = T.fails(pool:spawn(function() return ak.input(1) end))
    T.eq(code, ak.EWORK)
    T.ok(msg:find("bad argument #1 to '[%w.]*input' %(no such input%)"), msg)
  end)

  T.test("error(message) fails the value with EWORK and the message, position included", function()
    local v = pool:spawn(function() error("boom") end)
    local msg, code = T.fails(v)
    T.eq(code, ak.EWORK)
    T.ok(msg:find("test_work%.lua:%d+: boom$"), msg)
    T.eq((T.fails(pool:spawn(function() error("exactly this", 0) end))), "exactly this")
  end)

  T.test("runtime errors in work give Lua's own message", function()
    local msg = T.fails(pool:spawn(function() return undefined_global_x + 1 end))
    T.ok(msg:find("attempt to perform arithmetic on a nil value %(global 'undefined_global_x'%)"), msg)
  end)

  T.test("non-string error objects: numbers, __tostring, and others", function()
    T.eq((T.fails(pool:spawn(function() error(42) end))), "42")
    T.eq((T.fails(pool:spawn(function() error(setmetatable({}, { __tostring = function() return "custom object" end })) end))),
      "custom object")
    T.eq((T.fails(pool:spawn(function() error({ code = 1 }) end))), "(error object is a table value)")
    T.eq((T.fails(pool:spawn(function() error() end))), "(error object is a nil value)")
  end)

  T.test("ak.fail(message, code) fails the value with exactly that code and message", function()
    T.eq(T.pack(pool:spawn(function() ak.fail("custom failure", 42) end):get(T.BOUND)),
      { n = 3, nil, "custom failure", 42 })
    T.eq(T.pack(pool:spawn(function() ak.fail("default code") end):get(T.BOUND)),
      { n = 3, nil, "default code", ak.EWORK })
    T.eq(T.pack(pool:spawn(function() ak.fail("lib code", ak.ECANCELED) end):get(T.BOUND)),
      { n = 3, nil, "lib code", ak.ECANCELED })
  end)

  T.test("ak.fail passes through pcall as an error object the work can inspect", function()
    local r = T.pack(T.get(pool:spawn(function()
      local ok, e = pcall(ak.fail, "inner", 3)
      return ok, tostring(e), e.code
    end)))
    T.eq(r, { n = 3, false, "inner", 3 })
  end)

  T.test("worker-only functions are absent from the main-side module", function()
    T.eq(ak.cancelled, nil)
    T.eq(ak.fail, nil)
    T.eq(ak.input, nil)
  end)

  T.test("package.path and cpath are carried into work; required modules load there", function()
    local dir = os.tmpname()
    os.remove(dir)
    T.ok(os.execute("mkdir '" .. dir .. "'"), "mkdir")
    local f = assert(io.open(dir .. "/ak_test_helper_mod.lua", "w"))
    f:write("return { answer = 42, where = ... }\n")
    f:close()
    local saved = package.path
    package.path = dir .. "/?.lua;" .. saved
    local ok, err = pcall(function()
      local r = T.pack(T.get(pool:spawn(function()
        local m = require "ak_test_helper_mod"
        return m.answer, m.where, package.path, package.cpath
      end)))
      T.eq(r, { n = 4, 42, "ak_test_helper_mod", package.path, package.cpath })
    end)
    package.path = saved
    os.remove(dir .. "/ak_test_helper_mod.lua")
    os.remove(dir)
    if not ok then error(err, 0) end
    -- a later job sees the restored path
    T.eq(T.get(pool:spawn(function() return package.path end)), saved)
  end)

  T.test("each worker thread keeps its Lua state between jobs", function()
    local one <close> = ak.pool { workers = 1 }
    local count = function()
      JOBS_SEEN = (JOBS_SEEN or 0) + 1
      return JOBS_SEEN
    end
    T.eq(T.get(one:spawn(count)), 1)
    T.eq(T.get(one:spawn(count)), 2)
    T.eq(T.get(one:spawn(count)), 3)
    T.eq(JOBS_SEEN, nil, "the main state's globals are untouched")
  end)

  T.test("(cleanup) close the shared pool", function() pool:close() end)
end
