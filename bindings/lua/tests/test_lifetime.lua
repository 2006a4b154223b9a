-- Lifetimes: __gc, __close, close, values outliving pools.
local ak = require "asynckit"

return function(T)
  T.test("values outlive a closed pool, with results and failures intact", function()
    local pool = ak.pool { workers = 2 }
    local ok = pool:spawn(function() return { deep = { "result" } } end)
    local bad = pool:spawn(function() ak.fail("kept failure", 11) end)
    local j = ak.join { ok }
    pool:close()
    T.eq(T.get(ok), { deep = { "result" } })
    T.eq(T.pack(bad:get()), { n = 3, nil, "kept failure", 11 })
    T.eq(T.get(j), { { deep = { "result" } }, n = 1 })
    T.eq(T.get(ak.promise():set(1):chain(function(x) return x end)), 1, "a promise still chains")
  end)

  T.test("a pool reachable only through a pending value is not collected under it", function()
    local v
    do
      local pool = ak.pool { workers = 1 }
      local gate = ak.promise()
      v = pool:spawn_after({ gate }, function(x) return x * 2 end)
      gate:set(21)
    end
    collectgarbage()
    collectgarbage()
    T.eq(T.get(v), 42)
  end)

  T.test("values and pools dropped without close are released by the collector", function()
    for _ = 1, 20 do
      local pool = ak.pool { workers = 1 }
      local p = ak.promise()
      local a = pool:spawn(function() return 1 end)
      local b = pool:spawn_after({ p, a }, function() return 2 end)
      local l = ak.join { a, b }
      p:set(0)
      local _ = ak.any { l }
    end
    collectgarbage()
    collectgarbage()
    T.ok(true)
  end)

  T.test("<close> values release their reference at the end of the block", function()
    local v
    do
      local p <close> = ak.promise()
      v = p
      p:set(1)
    end
    T.ok(tostring(v):find("closed"), tostring(v))
    T.raises("closed value", v.get, v)
  end)

  T.test("closing a value then collecting it releases once (no double free)", function()
    local pool <close> = ak.pool { workers = 1 }
    for _ = 1, 200 do
      local v = pool:spawn(function() return 1 end)
      v:get(T.BOUND)
      v:close()
      v:close()
    end
    collectgarbage()
    collectgarbage()
    T.ok(true)
  end)

  T.test("closing a pool then collecting it destroys once", function()
    for _ = 1, 10 do
      local pool = ak.pool { workers = 1 }
      pool:spawn(function() return 1 end)
      pool:close()
      pool:close()
    end
    collectgarbage()
    collectgarbage()
    T.ok(true)
  end)

  T.test("an unset promise collected without close is abandoned: dependents fail", function()
    local pool <close> = ak.pool { workers = 1 }
    local v
    do
      local p = ak.promise()
      v = pool:spawn_after({ p }, function() return "ran" end)
    end
    collectgarbage()
    collectgarbage()
    local msg, code = T.fails(v)
    T.eq(code, ak.ECANCELED)
    T.ok(msg:find("abandoned"), msg)
  end)

  T.test("__gc and __close are the same idempotent close", function()
    local pm = getmetatable(ak.pool { workers = 0 })
    local vm = getmetatable(ak.promise())
    T.eq(type(pm.__gc), "function")
    T.eq(pm.__gc, pm.__close)
    T.eq(vm.__gc, vm.__close)
    T.eq(vm.__index.close, vm.__gc)
    T.eq(type(pm.__index.spawn), "function")
    T.eq(type(pm.__tostring), "function")
    T.eq(type(vm.__tostring), "function")
    local pool = ak.pool { workers = 1 }
    pm.__gc(pool)
    pm.__close(pool, nil)
    pool:close()
    T.ok(tostring(pool):find("closed"))
  end)
end
