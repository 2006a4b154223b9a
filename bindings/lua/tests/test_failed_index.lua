-- v:failed_index(): which input or element made a value fail, counted from 1 (as ak.input and
-- any:winner count), while the library's messages keep counting from 0 (as the C API does).
local ak = require "asynckit"

return function(T)
  local function set(...) return ak.promise():set(...) end
  local function failed(msg, code) return ak.promise():fail(msg, code) end
  local function never() error("this work must not run") end

  T.test("spawn_after: the lowest failed dependency, from 1; the message counts from 0", function()
    local pool <close> = ak.pool { workers = 1 }
    -- both failures are set before submission, so the lowest is the one reported
    local v = pool:spawn_after({ set(1), failed("second", 5), failed("third", 6) }, never)
    local msg, code = T.fails(v)
    T.eq(code, 5)
    T.eq(msg, "input 1 failed: second")
    T.eq(v:failed_index(), 2)
  end)

  T.test("join: the lowest failed element", function()
    local j = ak.join { set(1), set(2), failed("third", 7), failed("fourth", 8) }
    local msg, code = T.fails(j)
    T.eq(code, 7)
    T.eq(msg, "element 2 failed: third")
    T.eq(j:failed_index(), 3)
  end)

  T.test("chain on a failed value: 1, the value chained on", function()
    local v = failed("upstream broke", 3):chain(never)
    local msg = T.fails(v)
    T.eq(msg, "input 0 failed: upstream broke")
    T.eq(v:failed_index(), 1)
    local pool <close> = ak.pool { workers = 1 }
    local w = pool:chain(failed("again", 4), never)
    T.fails(w)
    T.eq(w:failed_index(), 1)
  end)

  T.test("chain on a failed join: the join's failed element, as ak.input numbers it", function()
    local v = ak.join { set(1), set(2), failed("c", 7) }:chain(never)
    local msg, code = T.fails(v)
    T.eq(code, 7)
    T.eq(msg, "input 2 failed: c")
    T.eq(v:failed_index(), 3)
  end)

  T.test("any: the element whose failure set it", function()
    local pending = ak.promise()
    local a = ak.any { pending, failed("x", 4) }
    local _, code = T.fails(a)
    T.eq(code, 4)
    T.eq(a:failed_index(), 2)
    T.eq(a:winner(), 2)
    pending:set() -- too late to change the list: it stays failed the same way
    T.eq(a:failed_index(), 2)
  end)

  T.test("nested lists: each level names its own element", function()
    local inner = ak.join { set(1), failed("in", 5) }
    local outer = ak.join { set(1), inner }
    T.eq(T.fails(outer), "element 1 failed: element 1 failed: in")
    T.eq(outer:failed_index(), 2)
    T.eq(inner:failed_index(), 2)
  end)

  T.test("nil when the value did not fail through an input or element", function()
    local pool <close> = ak.pool { workers = 1 }
    local unset = ak.promise()
    T.eq(T.pack(unset:failed_index()), { n = 1 }, "unset promise")
    T.eq(T.pack(set(1):failed_index()), { n = 1 }, "set promise")
    T.eq(failed("by hand"):failed_index(), nil, "promise failed by hand")
    local own = pool:spawn(function() error("its own") end)
    T.fails(own)
    T.eq(own:failed_index(), nil, "work that failed by itself")
    local after = pool:spawn_after({ set(1) }, function() error("after, its own") end)
    T.fails(after)
    T.eq(after:failed_index(), nil, "dependent work whose inputs were fine")
    local cancelled = ak.promise()
    cancelled:cancel()
    T.eq(cancelled:failed_index(), nil, "cancelled")
    local won = ak.any { set("ok"), failed("late") }
    T.get(won)
    T.eq(won:failed_index(), nil, "any-list set by a result")
    unset:set()
  end)

  T.test("failed_index refuses a closed value", function()
    local v = failed("x")
    v:close()
    T.raises("closed value", v.failed_index, v)
  end)

  T.test("ak.EINTERNAL is -9 on both sides", function()
    T.eq(ak.EINTERNAL, -9)
    T.eq(ak.strerror(ak.EINTERNAL), "internal error")
    local pool <close> = ak.pool { workers = 1 }
    T.eq(T.get(pool:spawn(function() return ak.EINTERNAL end)), -9)
  end)
end
