-- Values: get, wait, is_set, is_error, status, message, cancel, chain, set, fail, winner, close.
local ak = require "asynckit"

return function(T)
  T.test("get returns results; get(timeout) on an unset value returns nil, message, ETIMEDOUT", function()
    local p = ak.promise()
    T.eq(T.pack(p:get(0)), { n = 3, nil, "timed out", ak.ETIMEDOUT })
    T.eq(T.pack(p:get(0.01)), { n = 3, nil, "timed out", ak.ETIMEDOUT })
    p:set("a", 2)
    T.eq(T.pack(p:get()), { n = 2, "a", 2 })
    T.eq(T.pack(p:get(0)), { n = 2, "a", 2 }, "get may be repeated")
  end)

  T.test("get rejects a negative timeout", function()
    local p = ak.promise()
    T.raises("timeout must be a non%-negative number", p.get, p, -1)
    T.raises("timeout must be a non%-negative number", p.wait, p, -0.5)
    T.raises("number expected", p.get, p, "soon")
  end)

  T.test("wait, is_set, is_error, status and message follow the value", function()
    local p = ak.promise()
    T.eq(p:wait(0), false)
    T.eq(p:is_set(), false)
    T.eq(p:is_error(), false)
    T.eq(p:status(), ak.EPENDING)
    T.eq(p:message(), "")
    p:set(1)
    T.eq(p:wait(), true)
    T.eq(p:wait(0), true)
    T.eq(p:is_set(), true)
    T.eq(p:is_error(), false)
    T.eq(p:status(), ak.OK)
    local f = ak.promise()
    f:fail("went wrong", 9)
    T.eq(f:is_set(), true)
    T.eq(f:is_error(), true)
    T.eq(f:status(), 9)
    T.eq(f:message(), "went wrong")
  end)

  T.test("a failed value's get returns nil, message, code and never raises", function()
    local f = ak.promise():fail("nope", 12)
    T.eq(T.pack(f:get()), { n = 3, nil, "nope", 12 })
    T.eq(T.pack(ak.promise():fail("default code"):get()), { n = 3, nil, "default code", ak.EWORK })
  end)

  T.test("promise set and fail raise when already set", function()
    local p = ak.promise()
    T.eq(p:set(), p, "set returns the promise")
    T.raises("already set", p.set, p, 1)
    T.raises("already set", p.fail, p, "late")
    local q = ak.promise()
    T.eq(q:fail("x", 3), q, "fail returns the promise")
    T.raises("already set", q.set, q, 1)
    T.raises("32%-bit integer", ak.promise().fail, ak.promise(), "m", 2 ^ 40)
    T.raises("string expected", ak.promise().fail, ak.promise())
  end)

  T.test("set and fail are refused on values that are not promises", function()
    local pool <close> = ak.pool { workers = 1 }
    local v = pool:spawn(function() return 1 end)
    T.get(v)
    T.raises("not a promise", v.set, v, 2)
    T.raises("not a promise", v.fail, v, "no")
  end)

  T.test("cancel before the work starts: it never runs and fails with ECANCELED", function()
    local pool <close> = ak.pool { workers = 0 }
    local v = pool:spawn(function() return "ran" end)
    T.eq(T.pack(v:cancel()), { n = 2, true, ak.OK })
    local msg, code = T.fails(v)
    T.eq(code, ak.ECANCELED)
    T.eq(msg, "cancelled")
    T.eq(T.pack(v:cancel()), { n = 2, false, ak.ESTATE }, "cancelling a set value")
  end)

  T.test("cancel of an unset promise fails it with ECANCELED", function()
    local p = ak.promise()
    T.eq((p:cancel()), true)
    local _, code = T.fails(p)
    T.eq(code, ak.ECANCELED)
  end)

  T.test("cancel of running work raises the flag ak.cancelled() reads", function()
    local pool <close> = ak.pool { workers = 1 }
    for _ = 1, 50 do
      local v = pool:spawn(function(bound)
        local stop = ak.now() + bound
        while not ak.cancelled() do
          if ak.now() > stop then return "never saw the flag" end
          ak.sleep(0.0005)
        end
        ak.fail("saw the flag", ak.ECANCELED)
      end, T.BOUND)
      -- wait until a worker has taken the task (no sleep: the queue is what we wait on)
      local deadline = ak.now() + T.BOUND
      while pool:stats().queued > 0 do
        if ak.now() > deadline then error("the task was never taken") end
      end
      local cancelled, code = v:cancel()
      if not cancelled then
        T.eq(code, ak.ESTATE, "cancelling running work")
        local msg, c = T.fails(v)
        T.eq(msg, "saw the flag")
        T.eq(c, ak.ECANCELED)
        return
      end
      -- taken but not started yet when cancelled: it never ran; try again
      T.eq(select(2, T.fails(v)), ak.ECANCELED)
    end
    error("never caught the work running")
  end)

  T.test("chain gets what get returns, then its own arguments", function()
    local pool <close> = ak.pool { workers = 2 }
    local v = pool:spawn(function() return 2, 3 end)
    local c = v:chain(function(a, b, extra) return a * b + extra end, 100)
    T.eq(T.get(c), 106)
    local cc = c:chain(function(x) return tostring(x) end)
    T.eq(T.get(cc), "106")
  end)

  T.test("chain on a promise runs (on the default pool) once it is set", function()
    local p = ak.promise()
    local c = p:chain(function(x) return x .. "!", ak.worker end)
    T.eq(c:wait(0), false)
    p:set("go")
    T.eq(T.pack(T.get(c)), { n = 2, "go!", true })
  end)

  T.test("chain on a failed value fails without running", function()
    local p = ak.promise():fail("upstream broke", 5)
    local c = p:chain(function() return "ran" end)
    local msg, code = T.fails(c)
    T.eq(code, 5)
    T.eq(msg, "input 0 failed: upstream broke")
  end)

  T.test("pool:chain continues a value on a chosen pool, even after its own pool closed", function()
    local a = ak.pool { workers = 1 }
    local v = a:spawn(function() return 20 end)
    T.get(v)
    a:close()
    T.raises("chain: pool is shut down", v.chain, v, function(x) return x end)
    local b <close> = ak.pool { workers = 1 }
    T.eq(T.get(b:chain(v, function(x, y) return x + y end, 1)), 21)
  end)

  T.test("chain checks its arguments", function()
    local p = ak.promise()
    T.raises("bad argument #1 to 'chain' %(function expected", function() p:chain(5) end)
    T.raises("bad argument #2 to 'chain' %(cannot cross threads: a userdata", function()
      p:chain(function() end, io.stdout)
    end)
  end)

  T.test("winner is the 1-based index of the element that set an any-list", function()
    local a, b = ak.promise(), ak.promise()
    local any = ak.any { a, b }
    T.eq(any:winner(), nil)
    b:set("second")
    T.eq(T.get(any), "second")
    T.eq(any:winner(), 2)
    T.eq(a:winner(), nil, "not an any-list")
  end)

  T.test("close drops the reference; use after close raises; close twice is harmless", function()
    local p = ak.promise()
    p:set(1)
    p:close()
    p:close()
    T.raises("closed value", p.get, p)
    T.raises("closed value", p.is_set, p)
    T.raises("closed value", p.chain, p, function() end)
    T.raises("closed value", ak.join, { p })
  end)

  T.test("tostring shows kind and state", function()
    local p = ak.promise()
    T.ok(tostring(p):find("^asynckit.value %(promise, pending%)"), tostring(p))
    p:set(1)
    T.ok(tostring(p):find("^asynckit.value %(promise, set%)"), tostring(p))
    local f = ak.promise():fail("x", 4)
    T.ok(tostring(f):find("^asynckit.value %(promise, failed with 4%)"), tostring(f))
    local j = ak.join {}
    T.ok(tostring(j):find("^asynckit.value %(join, set%)"), tostring(j))
    j:close()
    T.ok(tostring(j):find("^asynckit.value %(join, closed%)"), tostring(j))
  end)

  T.test("methods refuse other userdata as self", function()
    local p = ak.promise()
    local pool <close> = ak.pool { workers = 1 }
    T.raises("asynckit.value expected", p.get, pool)
    T.raises("asynckit.pool expected", pool.spawn, p, function() end)
  end)
end
