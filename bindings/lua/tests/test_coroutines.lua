-- Coroutines: v:await() with the ak.run driver and with a user loop over ak.poll().
local ak = require "asynckit"

return function(T)
  T.test("ak.run runs fn in a coroutine and returns its results", function()
    T.eq(T.pack(ak.run(function(a, b) return a + b, "done" end, 1, 2)), { n = 2, 3, "done" })
  end)

  T.test("await inside ak.run yields until the value is set", function()
    local pool <close> = ak.pool { workers = 2 }
    local r = T.pack(ak.run(function()
      local v = pool:spawn(function() ak.sleep(0.02) return "late", 2 end)
      local a, b = v:await()
      local c = ak.promise():set("ready"):await() -- already set: no yield needed
      return a, b, c
    end))
    T.eq(r, { n = 3, "late", 2, "ready" })
  end)

  T.test("await returns nil, message, code for a failed value", function()
    local pool <close> = ak.pool { workers = 1 }
    local r = T.pack(ak.run(function()
      return pool:spawn(function() ak.fail("bad", 6) end):await()
    end))
    T.eq(r, { n = 3, nil, "bad", 6 })
  end)

  T.test("await outside a coroutine behaves as get", function()
    T.eq(T.pack(ak.promise():set(1, 2):await()), { n = 2, 1, 2 })
    local pool <close> = ak.pool { workers = 1 }
    T.eq(pool:spawn(function() return "blocking" end):await(), "blocking")
  end)

  T.test("many coroutines await at once under ak.run; each resumes with its own value", function()
    local pool <close> = ak.pool { workers = 2 }
    local results, finished = {}, 0
    ak.run(function()
      for i = 1, 50 do
        coroutine.wrap(function()
          results[i] = pool:spawn(function(i) ak.sleep(0.001 * (i % 5)) return i * 3 end, i):await()
          finished = finished + 1
        end)()
      end
      -- the main coroutine keeps awaiting fresh work until the others have all finished
      while finished < 50 do
        pool:spawn(function() return true end):await()
      end
    end)
    for i = 1, 50 do T.eq(results[i], i * 3, "coroutine " .. i) end
  end)

  T.test("a coroutine awaiting a promise resumes when another coroutine sets it", function()
    local log = {}
    ak.run(function()
      local p = ak.promise()
      coroutine.wrap(function()
        log[#log + 1] = "waiting"
        local got = p:await()
        log[#log + 1] = got
      end)()
      log[#log + 1] = "setting"
      p:set("got it")
      coroutine.yield() -- a plain yield: ak.run resumes this coroutine again on its next poll
      ak.promise():set(0):await()
    end)
    -- the awaiting coroutine may be resumed on the poll after the plain yield
    T.eq(log[1], "waiting")
    T.eq(log[2], "setting")
    T.eq(log[3], "got it")
  end)

  T.test("errors in the ak.run coroutine propagate out of ak.run", function()
    T.raises("run failed here", ak.run, function() error("run failed here") end)
    local pool <close> = ak.pool { workers = 1 }
    T.raises("after await", ak.run, function()
      pool:spawn(function() return 1 end):await()
      error("after await")
    end)
  end)

  T.test("a user loop drives awaiting coroutines with ak.poll and ak.pending", function()
    local pool <close> = ak.pool { workers = 2 }
    local got = {}
    for i = 1, 10 do
      local co = coroutine.wrap(function()
        got[i] = pool:spawn(function(i) return i .. "!" end, i):await()
      end)
      co() -- runs until the first await, then returns here
    end
    T.ok(ak.pending() <= 10, "pending " .. ak.pending())
    local deadline = ak.now() + T.BOUND
    while ak.pending() > 0 do
      ak.poll(T.BOUND)
      if ak.now() > deadline then error("coroutines still pending after " .. T.BOUND .. " s") end
    end
    for i = 1, 10 do T.eq(got[i], i .. "!") end
    T.eq(ak.poll(), 0, "nothing left to resume")
  end)

  T.test("ak.poll(0) returns at once when nothing is ready", function()
    local p = ak.promise()
    local resumed = false
    coroutine.wrap(function() p:await(); resumed = true end)()
    T.eq(ak.pending(), 1)
    T.eq(ak.poll(0), 0)
    T.eq(resumed, false)
    p:set()
    T.eq(ak.poll(T.BOUND), 1)
    T.eq(resumed, true)
    T.eq(ak.pending(), 0)
  end)

  T.test("an error in a coroutine resumed by ak.poll is raised by ak.poll", function()
    local p = ak.promise()
    coroutine.wrap(function() p:await(); error("resumed and failed", 0) end)()
    p:set()
    T.raises("resumed and failed", ak.poll, T.BOUND)
    T.eq(ak.pending(), 0)
  end)

  T.test("ak.poll checks its timeout", function()
    T.raises("timeout must be a non%-negative number", ak.poll, -1)
    T.raises("timeout must be a non%-negative number", ak.poll, "x")
  end)

  T.test("a coroutine resumed early by someone else keeps waiting", function()
    local p = ak.promise()
    local co = coroutine.create(function() return p:await() end)
    local ok, yielded = coroutine.resume(co)
    T.eq(ok, true)
    T.eq(yielded, p, "await yields the value it waits on")
    coroutine.resume(co) -- a spurious resume: p is not set, so it yields again
    T.eq(coroutine.status(co), "suspended")
    p:set("finally")
    T.eq(ak.poll(T.BOUND), 1)
    T.eq(coroutine.status(co), "dead")
  end)
end
