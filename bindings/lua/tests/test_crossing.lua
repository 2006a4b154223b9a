-- What crosses between threads, and the errors for what cannot.
local ak = require "asynckit"

return function(T)
  local pool = ak.pool { workers = 2 }

  local function roundtrip(...)
    return T.get(pool:spawn(function(...) return ... end, ...))
  end

  T.test("nil, booleans, integers, floats and strings cross and come back equal", function()
    local r = T.pack(roundtrip(nil, true, false, 0, -7, math.maxinteger, math.mininteger, 0.5,
      -1e300, 1 / 0, -1 / 0, "", "text"))
    T.eq(r, { n = 13, nil, true, false, 0, -7, math.maxinteger, math.mininteger, 0.5, -1e300,
      1 / 0, -1 / 0, "", "text" })
    local nan = roundtrip(0 / 0)
    T.ok(nan ~= nan, "NaN stays NaN")
  end)

  T.test("integers and floats stay apart", function()
    local i, f = roundtrip(3, 3.0)
    T.eq(math.type(i), "integer")
    T.eq(math.type(f), "float")
  end)

  T.test("strings keep every byte, including zeros, and large ones cross", function()
    local bytes = {}
    for b = 0, 255 do bytes[#bytes + 1] = string.char(b) end
    local all = table.concat(bytes)
    T.eq(roundtrip(all), all)
    local big = string.rep("0123456789abcdef", 1 << 16) -- 1 MiB
    local back = roundtrip(big)
    T.eq(#back, #big)
    T.ok(back == big, "1 MiB string intact")
  end)

  T.test("nested tables with any crossing keys cross; metatables do not", function()
    local t = {
      1, 2, nil, 4,
      name = "x",
      nested = { deeper = { deepest = { true } } },
      [2.5] = "float key",
      [true] = "bool key",
      [-1] = "negative",
    }
    setmetatable(t, { __index = function() return "meta" end })
    local back = roundtrip(t)
    T.eq(back, {
      1, 2, nil, 4,
      name = "x",
      nested = { deeper = { deepest = { true } } },
      [2.5] = "float key",
      [true] = "bool key",
      [-1] = "negative",
    })
    T.eq(getmetatable(back), nil)
  end)

  T.test("a table reached twice (no cycle) is copied twice", function()
    local shared = { 1 }
    local a, b = roundtrip({ shared, shared })[1], nil
    local back = roundtrip({ x = shared, y = shared })
    T.eq(back.x, { 1 })
    T.eq(back.y, { 1 })
    T.ok(back.x ~= back.y, "two copies")
    T.eq(a, { 1 })
    T.eq(b, nil)
  end)

  T.test("tables as keys cross", function()
    local back = roundtrip({ [{ "k" }] = "v" })
    local k, v = next(back)
    T.eq(k, { "k" })
    T.eq(v, "v")
  end)

  T.test("functions without upvalues cross as arguments and as results", function()
    local double = function(x) return x * 2 end
    T.eq(T.get(pool:spawn(function(f, x) return f(x) end, double, 21)), 42)
    local made = T.get(pool:spawn(function()
      return function(s) return s .. "!" end
    end))
    T.eq(made("back"), "back!")
    local nested = T.get(pool:spawn(function(t) return t.ops.inc(1) end, { ops = { inc = function(x) return x + 1 end } }))
    T.eq(nested, 2)
  end)

  T.test("work may use globals and the asynckit module as an upvalue", function()
    -- `ak` here is a local of this file: it crosses as the worker-side module
    local r = T.pack(T.get(pool:spawn(function() return ak.worker, type(string.format), math.pi end)))
    T.eq(r, { n = 3, true, "function", math.pi })
  end)

  T.test("a function with another upvalue cannot cross; the error names argument and upvalue", function()
    local secret = 5
    local f = function() return secret end
    T.raises("bad argument #1 to 'spawn' %(cannot cross threads: a function with upvalue 'secret'",
      function() pool:spawn(f) end)
    T.raises("bad argument #3 to 'spawn' %(cannot cross threads: a function with upvalue 'secret' .*%(at %.cb%)",
      function() pool:spawn(function() end, 1, { cb = f }) end)
  end)

  T.test("a function whose _ENV is not the global table cannot cross", function()
    local f
    do
      local _ENV = { x = 1 }
      f = function() return x end
    end
    T.raises("bad argument #1 to 'spawn' %(cannot cross threads: a function whose _ENV is not the global table",
      function() pool:spawn(f) end)
  end)

  T.test("C functions cannot cross", function()
    T.raises("bad argument #1 to 'spawn' %(cannot cross threads: a C function", function() pool:spawn(print) end)
    T.raises("bad argument #2 to 'spawn' %(cannot cross threads: a C function %(only Lua functions cross, as bytecode%) %(at %.f%)",
      function() pool:spawn(function() end, { f = print }) end)
  end)

  T.test("userdata cannot cross, wherever it is; the error gives its path", function()
    T.raises("bad argument #2 to 'spawn' %(cannot cross threads: a userdata%)", function()
      pool:spawn(function() end, io.stdout)
    end)
    T.raises("bad argument #3 to 'spawn' %(cannot cross threads: a userdata %(at %.a%.b%[2%]%)", function()
      pool:spawn(function() end, 1, { a = { b = { 1, io.stderr } } })
    end)
    T.raises('cannot cross threads: a userdata %(at %["not an identifier"%]%)', function()
      pool:spawn(function() end, { ["not an identifier"] = io.stdout })
    end)
    T.raises("cannot cross threads: a userdata %(at {key}%)", function()
      pool:spawn(function() end, { [io.stdout] = true })
    end)
    T.raises("cannot cross threads: a userdata", function()
      pool:spawn(function() end, pool)
    end)
    T.raises("cannot cross threads: a userdata", function()
      pool:spawn(function() end, ak.promise())
    end)
  end)

  T.test("coroutines cannot cross", function()
    T.raises("bad argument #2 to 'spawn' %(cannot cross threads: a coroutine%)", function()
      pool:spawn(function() end, coroutine.create(function() end))
    end)
  end)

  T.test("a cycle is detected and refused", function()
    local t = { inner = {} }
    t.inner.back = t
    T.raises("bad argument #2 to 'spawn' %(cannot cross threads: a table that contains itself %(a cycle%) %(at %.inner%.back%)",
      function() pool:spawn(function() end, t) end)
    local self = {}
    self[1] = self
    T.raises("a table that contains itself", function() pool:spawn(function() end, self) end)
  end)

  T.test("nesting deeper than 100 tables is refused; 100 crosses", function()
    local function nest(n)
      local t = {}
      for _ = 2, n do t = { t } end
      return t
    end
    T.ok(roundtrip(nest(100)), "100 levels")
    T.raises("tables nested more than 100 deep", function() pool:spawn(function() end, nest(101)) end)
  end)

  T.test("promise:set refuses values that cannot cross, naming the argument", function()
    local p = ak.promise()
    T.raises("bad argument #2 to 'set' %(cannot cross threads: a userdata", function() p:set(1, io.stdout) end)
    T.eq(p:is_set(), false, "a refused set leaves the promise unset")
  end)

  T.test("results that cannot cross fail the value with a clear message", function()
    local v = pool:spawn(function() return 1, coroutine.create(print) end)
    local msg, code = T.fails(v)
    T.eq(code, ak.EINVAL)
    T.eq(msg, "result 2 cannot cross threads: a coroutine")
    local w = pool:spawn(function() return { file = io.stdout } end)
    T.eq((T.fails(w)), "result 1 cannot cross threads: a userdata (at .file)")
    local up = pool:spawn(function() local x = 1; return function() return x end end)
    T.ok((T.fails(up)):find("result 1 cannot cross threads: a function with upvalue 'x'"))
  end)

  T.test("a refused spawn submits nothing", function()
    local before = pool:stats().submitted
    pcall(pool.spawn, pool, function() end, io.stdout)
    T.eq(pool:stats().submitted, before)
  end)

  T.test("(cleanup) close the shared pool", function() pool:close() end)
end
