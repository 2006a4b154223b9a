-- Real parallelism, and volume.
local ak = require "asynckit"

return function(T)
  T.test("two 0.2 s sleeps on two workers overlap (timestamps taken inside the work)", function()
    local pool <close> = ak.pool { workers = 2 }
    local nap = function()
      local started = ak.now()
      ak.sleep(0.2)
      return started, ak.now()
    end
    local a, b = pool:spawn(nap), pool:spawn(nap)
    local a_start, a_end = T.get(a)
    local b_start, b_end = T.get(b)
    T.ok(a_end - a_start >= 0.2 and b_end - b_start >= 0.2, "each slept 0.2 s")
    T.ok(a_start < b_end and b_start < a_end,
      string.format("both started before either ended: a %.3f..%.3f, b %.3f..%.3f", a_start, a_end, b_start, b_end))
  end)

  T.test("10,000 tasks each return their own checked result", function()
    local pool <close> = ak.pool { workers = 2 }
    local n = 10000
    local vs = {}
    for i = 1, n do
      vs[i] = pool:spawn(function(i, s) return i * i, s .. i end, i, "n")
    end
    for i = 1, n do
      local sq, s = T.get(vs[i])
      if sq ~= i * i or s ~= "n" .. i then
        error(string.format("task %d returned %s, %s", i, tostring(sq), tostring(s)))
      end
    end
    T.eventually(function() return pool:stats().completed == n end, "completed == " .. n)
  end)

  T.test("10,000 tasks joined: one table of results in order", function()
    local pool <close> = ak.pool { workers = 2 }
    local n = 10000
    local vs = {}
    for i = 1, n do vs[i] = pool:spawn(function(i) return i + 1 end, i) end
    local all = T.get(ak.join(vs))
    T.eq(all.n, n)
    for i = 1, n do
      if all[i] ~= i + 1 then error("element " .. i .. " is " .. tostring(all[i])) end
    end
    local sum = T.get(ak.join(vs):chain(function(t)
      local s = 0
      for i = 1, t.n do s = s + t[i] end
      return s
    end))
    T.eq(sum, n * (n + 1) // 2 + n)
  end)
end
