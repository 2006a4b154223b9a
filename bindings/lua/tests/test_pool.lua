-- Pools: creation, options, spawn, resize, workers, stats, close.
local ak = require "asynckit"

return function(T)
  T.test("pool with default workers runs work", function()
    local pool = ak.pool()
    T.ok(pool:workers() >= 1, "workers " .. pool:workers())
    T.eq(T.get(pool:spawn(function() return "hi" end)), "hi")
    pool:close()
  end)

  T.test("pool options: workers and name", function()
    local pool = ak.pool { workers = 3, name = "luatest" }
    T.eq(pool:workers(), 3)
    T.eq(T.get(pool:spawn(function(x) return x + 1 end, 1)), 2)
    pool:close()
  end)

  T.test("bad pool options raise", function()
    T.raises("workers must be an integer", ak.pool, { workers = -1 })
    T.raises("workers must be an integer", ak.pool, { workers = 5000 })
    T.raises("workers must be an integer", ak.pool, { workers = 1.5 })
    T.raises("workers must be an integer", ak.pool, { workers = "two" })
    T.raises("name must be a string", ak.pool, { name = 5 })
    T.raises("table expected", ak.pool, 5)
  end)

  T.test("spawn passes arguments and returns every result", function()
    local pool <close> = ak.pool { workers = 2 }
    local r = T.pack(T.get(pool:spawn(function(...) return select("#", ...), ... end, 1, nil, 3)))
    T.eq(r, { n = 4, 3, 1, nil, 3 })
    T.eq(T.pack(T.get(pool:spawn(function() end))), { n = 0 })
  end)

  T.test("spawn needs a function", function()
    local pool <close> = ak.pool { workers = 1 }
    T.raises("bad argument #1 to 'spawn' %(function expected", function() pool:spawn(42) end)
    T.raises("bad argument #1 to 'spawn' %(function expected", function() pool:spawn() end)
  end)

  T.test("a pool with 0 workers queues work until resized", function()
    local pool <close> = ak.pool { workers = 0 }
    T.eq(pool:workers(), 0)
    local v = pool:spawn(function() return "ran" end)
    T.eq(v:wait(0), false)
    T.eq(pool:stats().queued, 1)
    T.eq(pool:resize(1), pool, "resize returns the pool")
    T.eq(pool:workers(), 1)
    T.eq(T.get(v), "ran")
  end)

  T.test("resize grows and shrinks; bad counts raise", function()
    local pool <close> = ak.pool { workers = 1 }
    pool:resize(4)
    T.eq(pool:workers(), 4)
    local vs = {}
    for i = 1, 50 do vs[i] = pool:spawn(function(i) return i end, i) end
    pool:resize(2)
    T.eq(pool:workers(), 2)
    for i = 1, 50 do T.eq(T.get(vs[i]), i) end
    T.raises("worker count out of range", pool.resize, pool, -1)
    T.raises("worker count out of range", pool.resize, pool, 100000)
  end)

  T.test("stats count submitted, completed, failed and cancelled work", function()
    local pool <close> = ak.pool { workers = 0 }
    local ok1 = pool:spawn(function() return 1 end)
    local ok2 = pool:spawn(function() return 2 end)
    local bad = pool:spawn(function() error("no") end)
    local gone = pool:spawn(function() return 3 end)
    T.eq(pool:stats().queued, 4, "queued")
    T.eq(gone:cancel(), true)
    local s = pool:stats()
    T.eq(s.submitted, 4, "submitted")
    T.eq(s.cancelled, 1, "cancelled")
    T.eq(s.workers, 0, "workers")
    pool:resize(1)
    T.get(ok1); T.get(ok2); T.fails(bad)
    -- counters may trail the values a little (asynckit.h): wait for them, bounded
    T.eventually(function()
      s = pool:stats()
      return s.completed == 2 and s.failed == 1
    end, "completed == 2 and failed == 1")
    T.eq(math.type(s.steals), "integer", "steals")
  end)

  T.test("stats.queued does not count a task cancelled while queued (header: ready to run)", function()
    -- asynckit.h: queued = "tasks ready to run and not started yet". A cancelled task never runs.
    local pool <close> = ak.pool { workers = 0 }
    local keep = pool:spawn(function() return 1 end)
    local gone = pool:spawn(function() return 2 end)
    T.eq(gone:cancel(), true)
    T.eq(pool:stats().queued, 1, "queued after cancelling one of two")
    pool:resize(1)
    T.get(keep)
  end)

  T.test("close drains queued work (on the caller when there are no workers)", function()
    local pool = ak.pool { workers = 0 }
    local vs = {}
    for i = 1, 5 do vs[i] = pool:spawn(function(i) return i * 2 end, i) end
    pool:close()
    for i = 1, 5 do T.eq(T.get(vs[i]), i * 2) end
  end)

  T.test("close('cancel') fails queued work with ECANCELED", function()
    local pool = ak.pool { workers = 0 }
    local v = pool:spawn(function() return 1 end)
    pool:close("cancel")
    local msg, code = T.fails(v)
    T.eq(code, ak.ECANCELED)
    T.ok(msg:find("cancel"), msg)
  end)

  T.test("close is idempotent; a closed pool refuses use; close checks its option", function()
    local pool = ak.pool { workers = 1 }
    T.raises("invalid option 'bogus'", pool.close, pool, "bogus")
    pool:close()
    pool:close()
    T.raises("closed pool", pool.spawn, pool, function() end)
    T.raises("closed pool", pool.workers, pool)
    T.raises("closed pool", pool.stats, pool)
    T.raises("closed pool", pool.resize, pool, 1)
    T.raises("closed pool", pool.spawn_after, pool, {}, function() end)
  end)

  T.test("tostring shows workers or closed", function()
    local pool = ak.pool { workers = 2 }
    T.ok(tostring(pool):find("^asynckit.pool %(2 workers%)"), tostring(pool))
    pool:close()
    T.ok(tostring(pool):find("^asynckit.pool %(closed%)"), tostring(pool))
  end)

  T.test("a <close> pool is closed at the end of its block; its values stay readable", function()
    local v, p
    do
      local pool <close> = ak.pool { workers = 1 }
      p = pool
      v = pool:spawn(function() return "kept" end)
    end
    T.ok(tostring(p):find("closed"), tostring(p))
    T.eq(T.get(v), "kept")
  end)
end
