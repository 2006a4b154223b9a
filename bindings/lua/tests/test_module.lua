-- The module table: loading, constants, versions, helpers.
local ak = require "asynckit"

return function(T)
  T.test("require returns the module with its functions", function()
    for _, name in ipairs { "pool", "promise", "join", "any", "run", "poll", "pending", "now",
      "sleep", "strerror", "version" } do
      T.eq(type(ak[name]), "function", name)
    end
    T.eq(ak.worker, false, "ak.worker on the main side")
    T.eq(package.loaded.asynckit, ak)
  end)

  T.test("status codes match the C header and never move", function()
    T.eq({ ak.OK, ak.EINVAL, ak.ENOMEM, ak.ETIMEDOUT, ak.ECANCELED, ak.ESHUTDOWN, ak.ESTATE,
      ak.EPENDING, ak.EWORK }, { 0, -1, -2, -3, -4, -5, -6, -7, -8 })
  end)

  T.test("strerror describes library, work and unknown codes", function()
    T.eq(ak.strerror(ak.ETIMEDOUT), "timed out")
    T.eq(ak.strerror(ak.OK), "success")
    T.eq(ak.strerror(7), "work-defined error")
    T.eq(ak.strerror(-1000), "unknown error")
    T.raises("number expected", ak.strerror, "x")
  end)

  T.test("version of the loaded library matches the header compiled against", function()
    T.ok(ak.version():match("^%d+%.%d+%.%d+$"), ak.version())
    T.eq(ak.version(), ak.VERSION)
  end)

  T.test("now is monotonic seconds and sleep(0) returns", function()
    local a = ak.now()
    ak.sleep(0)
    local b = ak.now()
    T.eq(type(a), "number")
    T.ok(b >= a, "now went backwards")
    T.raises("bad argument #1 to '[%w.]*sleep'", ak.sleep, -1)
  end)

  T.test("the module loads and runs work in a fresh lua5.4", function()
    -- LUA_CPATH is inherited, so the fresh interpreter finds the same asynckit.so
    local script = [[
      local ak = require "asynckit"
      local pool = ak.pool{ workers = 2 }
      local v = pool:spawn(function(a, b) return a * b end, 6, 7)
      io.write("result=", v:get(60), "\n")
      -- exit with a pool, values and an unset promise left to the collector
      local p = ak.promise()
      local d = pool:spawn_after({ p }, function() return 1 end)
    ]]
    local cmd = string.format("%s -e %q 2>&1", T.interpreter, script:gsub("\n", " "))
    local f = assert(io.popen(cmd))
    local out = f:read("a")
    local ok, how, code = f:close()
    T.eq(out, "result=42\n", "output of the fresh interpreter")
    T.ok(ok and how == "exit" and code == 0, "fresh interpreter exit: " .. tostring(how) .. " " .. tostring(code))
  end)

  T.test("a fresh interpreter that closes the module's state with work in flight exits cleanly", function()
    local script = [[
      local ak = require "asynckit"
      local pool = ak.pool{ workers = 1 }
      for i = 1, 20 do pool:spawn(function(i) ak.sleep(0.001) return i end, i) end
      ak.promise():chain(function(x) return x end)
      io.write("done\n")
    ]]
    local f = assert(io.popen(string.format("%s -e %q 2>&1", T.interpreter, script:gsub("\n", " "))))
    local out = f:read("a")
    local ok = f:close()
    T.eq(out, "done\n")
    T.ok(ok, "exit status")
  end)
end
