-- Lists and dependencies: ak.join, ak.any, pool:spawn_after, chains on lists.
local ak = require "asynckit"

return function(T)
  T.test("join: get returns each element's first result in order, with n", function()
    local pool <close> = ak.pool { workers = 2 }
    local vs = {}
    for i = 1, 5 do vs[i] = pool:spawn(function(i) return i * 10, "extra" end, i) end
    T.eq(T.get(ak.join(vs)), { 10, 20, 30, 40, 50, n = 5 })
  end)

  T.test("join keeps nil first results in place and counts them in n", function()
    local a, b, c = ak.promise():set(1), ak.promise():set(), ak.promise():set(nil, 2)
    T.eq(T.get(ak.join { a, b, c }), { 1, nil, nil, n = 3 })
  end)

  T.test("an empty join is set at once with an empty table", function()
    local j = ak.join {}
    T.eq(j:is_set(), true)
    T.eq(T.get(j), { n = 0 })
  end)

  T.test("join waits for all elements", function()
    local a, b = ak.promise(), ak.promise()
    local j = ak.join { a, b }
    a:set("a")
    T.eq(j:wait(0), false)
    b:set("b")
    T.eq(T.get(j), { "a", "b", n = 2 })
  end)

  T.test("join fails with the lowest failed element's code and message", function()
    local a, b, c = ak.promise(), ak.promise(), ak.promise()
    local j = ak.join { a, b, c }
    c:fail("third", 3)
    b:fail("second", 2)
    a:set(1)
    local msg, code = T.fails(j)
    T.eq(code, 2)
    T.eq(msg, "element 1 failed: second")
  end)

  T.test("joins nest: a join of joins gives nested tables; any inside join gives the winner", function()
    local a, b, c = ak.promise():set(1), ak.promise():set(2), ak.promise():set(3)
    local inner = ak.join { a, b }
    local any = ak.any { ak.promise(), c }
    T.eq(T.get(ak.join { inner, any, ak.join {} }), { { 1, 2, n = 2 }, 3, { n = 0 }, n = 3 })
  end)

  T.test("any: set by the first element set, with all its results", function()
    local a, b = ak.promise(), ak.promise()
    local any = ak.any { a, b }
    T.eq(any:wait(0), false)
    a:set("first", 1)
    b:set("second", 2)
    T.eq(T.pack(T.get(any)), { n = 2, "first", 1 })
    T.eq(any:winner(), 1)
  end)

  T.test("any fails when the first element set fails", function()
    local a, b = ak.promise(), ak.promise()
    local any = ak.any { a, b }
    b:fail("lost", 7)
    local msg, code = T.fails(any)
    T.eq(code, 7)
    T.eq(msg, "lost")
  end)

  T.test("list constructors check their argument", function()
    T.raises("needs at least one value", ak.any, {})
    T.raises("element 2 is a number, not an asynckit value", ak.join, { ak.promise(), 5 })
    T.raises("element 1 is a userdata, not an asynckit value", ak.any, { io.stdout })
    T.raises("table expected", ak.join, ak.promise())
  end)

  T.test("chain on a join gets the join's table; on an any, the winner's results", function()
    local pool <close> = ak.pool { workers = 2 }
    local a = pool:spawn(function() return 4 end)
    local b = pool:spawn(function() return 5 end)
    local sum = ak.join { a, b }:chain(function(t, k) return (t[1] + t[2]) * k, t.n end, 2)
    T.eq(T.pack(T.get(sum)), { n = 2, 18, 2 })
    local first = ak.any { a }:chain(function(x) return x + 1 end)
    T.eq(T.get(first), 5)
  end)

  T.test("spawn_after passes each dependency's first result, then its own arguments", function()
    local pool <close> = ak.pool { workers = 2 }
    local p = ak.promise()
    local q = pool:spawn(function() return 10, "ignored" end)
    local v = pool:spawn_after({ p, q }, function(x, y, z) return x + y + z end, 100)
    T.eq(v:wait(0), false)
    p:set(1)
    T.eq(T.get(v), 111)
  end)

  T.test("spawn_after with no dependencies runs at once", function()
    local pool <close> = ak.pool { workers = 1 }
    T.eq(T.get(pool:spawn_after({}, function(a) return a end, "now")), "now")
  end)

  T.test("spawn_after fails without running when a dependency fails", function()
    local pool <close> = ak.pool { workers = 1 }
    local ok = ak.promise():set(1)
    local bad = pool:spawn(function() error("dependency broke", 0) end)
    local v = pool:spawn_after({ ok, bad }, function() return "ran" end)
    local msg, code = T.fails(v)
    T.eq(code, ak.EWORK)
    T.eq(msg, "input 1 failed: dependency broke")
  end)

  T.test("spawn_after checks its arguments", function()
    local pool <close> = ak.pool { workers = 1 }
    T.raises("bad argument #1 to 'spawn_after' %(table expected", function() pool:spawn_after(nil, print) end)
    T.raises("bad argument #2 to 'spawn_after' %(function expected", function() pool:spawn_after({}, 1) end)
    T.raises("element 1 is a string", function() pool:spawn_after({ "x" }, function() end) end)
    T.raises("bad argument #3 to 'spawn_after' %(cannot cross threads: a coroutine", function()
      pool:spawn_after({}, function() end, coroutine.create(print))
    end)
  end)

  T.test("an abandoned promise fails the work that waits on it", function()
    local pool <close> = ak.pool { workers = 1 }
    local p = ak.promise()
    local v = pool:spawn_after({ p }, function() return "ran" end)
    local c = p:chain(function() return "ran" end)
    p:close() -- the last caller reference of an unset promise
    local msg, code = T.fails(v)
    T.eq(code, ak.ECANCELED)
    T.ok(msg:find("abandoned"), msg)
    T.eq(select(2, T.fails(c)), ak.ECANCELED)
  end)
end
