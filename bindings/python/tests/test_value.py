import gc
import threading
import weakref

import pytest

from asynckit import AsyncList, AsyncValue, AsyncValueError, Pool
from asynckit import value as value_module
from conftest import WAIT


def test_async_value_basic():
    res = AsyncValue()
    assert res.get() is None
    assert not res.is_set()
    res.set(True)
    assert res.get() is True
    assert res.is_set()
    assert res.isSet()


def test_get_without_timeout_never_blocks_and_returns_none_when_unset():
    res = AsyncValue()
    assert res.get() is None
    assert res.get(None) is None
    assert res.get(False) is None
    assert res.get(0) is None


def test_get_with_seconds_returns_none_when_still_unset():
    res = AsyncValue()
    assert res.get(0.05) is None
    assert not res.is_set()


def test_wait_returns_false_on_timeout_and_true_once_set():
    res = AsyncValue()
    assert res.wait(0.05) is False
    res.set(1)
    assert res.wait(0.05) is True
    assert res.wait() is True


def test_get_true_waits_for_a_value_set_by_another_thread():
    res = AsyncValue()
    ready = threading.Event()

    def setter():
        ready.wait(WAIT)
        res.set("from thread")

    t = threading.Thread(target=setter)
    t.start()
    ready.set()
    assert res.get(True) == "from thread"
    t.join(WAIT)


def test_wait_wakes_when_another_thread_sets_the_value():
    res = AsyncValue()
    t = threading.Thread(target=res.set, args=(5,))
    t.start()
    assert res.wait(WAIT)
    assert res.get() == 5
    t.join(WAIT)


def test_setting_twice_raises_async_value_error():
    res = AsyncValue()
    res.set(True)
    with pytest.raises(AsyncValueError):
        res.set(True)
    with pytest.raises(AsyncValueError):
        res.set(True)
    assert res.get() is True


def test_clear_unsets_a_value_set_by_hand_so_it_can_be_set_again():
    res = AsyncValue()
    res.set(True)
    with pytest.raises(AsyncValueError):
        res.set(True)
    res.clear()
    assert res.get() is None
    assert not res.is_set()
    res.set(False)
    assert res.is_set()
    assert res.get() is False


def test_clear_on_an_unset_value_changes_nothing():
    res = AsyncValue()
    res.clear()
    assert not res.is_set()
    res.set(3)
    assert res.get() == 3


def test_clear_unsets_a_value_set_with_an_exception():
    res = AsyncValue()
    res.set(KeyError("k"))
    assert res.is_error()
    res.clear()
    assert not res.is_set() and not res.is_error()
    res.set(1)
    assert res.get() == 1


def test_setting_an_exception_instance_makes_get_raise_it_every_time():
    class TestCaseException(Exception):
        pass

    res = AsyncValue()
    res.set(TestCaseException("expected"))
    assert res.is_set() and res.is_error()
    with pytest.raises(TestCaseException, match="expected"):
        res.get()
    with pytest.raises(TestCaseException, match="expected"):
        res.get(True)


def test_set_with_exception_keyword_makes_get_raise_it():
    res = AsyncValue()
    res.set(exception=ValueError("kw"))
    with pytest.raises(ValueError, match="kw"):
        res.get()
    with pytest.raises(AsyncValueError):
        res.set(exception=ValueError("again"))


def test_set_without_argument_sets_none():
    res = AsyncValue()
    res.set()
    assert res.is_set() and not res.is_error()
    assert res.get(True) is None


def test_a_value_made_by_work_cannot_be_set_by_hand():
    p = Pool(worker_count=1)
    v = p.do(int, 4)
    assert v.get(WAIT) == 4
    with pytest.raises(AsyncValueError):
        v.set(5)
    assert v.get() == 4
    v.clear()  # ... but clearing forgets it, and then it can be set
    assert v.get() is None
    v.set(6)
    assert v.get() == 6
    assert p.stop(WAIT)


def test_value_arguments_are_replaced_by_their_values(pool):
    a = pool.do(int, 2)
    b = AsyncValue()
    both = AsyncList([pool.do(int, 3), 4])
    result = pool.do(lambda x, y, z, *, k: (x, y, z, k), a, b, both, k=pool.do(int, 9))
    b.set("b")
    assert result.get(WAIT) == (2, "b", [3, 4], 9)


def test_the_same_value_may_be_passed_twice(pool):
    a = pool.do(int, 5)
    assert pool.do(lambda x, y: x * y, a, a).get(WAIT) == 25


def test_values_survive_their_pool_being_stopped():
    p = Pool(worker_count=1)
    v = p.do(str, 12)
    assert p.stop(WAIT)
    assert v.get() == "12"
    assert v.is_set()


def test_result_object_is_released_with_the_value(pool):
    class Result:
        pass

    v = pool.do(Result)
    ref = weakref.ref(v.get(WAIT))
    gc.collect()
    assert ref() is not None  # the value still holds it
    del v
    gc.collect()
    assert ref() is None


def test_result_set_by_hand_is_released_with_the_value():
    class Result:
        pass

    v = AsyncValue()
    r = Result()
    v.set(r)
    ref = weakref.ref(r)
    del r
    gc.collect()
    assert ref() is not None
    v.clear()  # the old value goes, and its result with it
    gc.collect()
    assert ref() is None


def test_results_reach_dependent_work_after_the_callers_reference_is_gone(pool):
    gate = AsyncValue()
    first = pool.do(lambda g: [g] * 3, gate)
    second = pool.do(len, first)
    del first
    gc.collect()
    gate.set("x")
    assert second.get(WAIT) == 3


def test_nothing_stays_registered_once_values_are_gone():
    gc.collect()
    before = [set(r) for r in (value_module._jobs, value_module._results, value_module._callbacks)]
    p = Pool(worker_count=2)

    def boom():
        raise RuntimeError("boom")

    values = [p.do(int, i) for i in range(100)] + [p.do(boom) for _ in range(10)]
    deps = [p.do(lambda x: x, v) for v in values]
    AsyncList(values).wait(WAIT)
    for d in deps:
        assert d.wait(WAIT)
    assert p.stop(WAIT)
    del values, deps, d
    gc.collect()
    after = [set(r) for r in (value_module._jobs, value_module._results, value_module._callbacks)]
    assert [a - b for a, b in zip(after, before)] == [set(), set(), set()]


def test_repr_tells_the_state():
    v = AsyncValue()
    assert "pending" in repr(v)
    v.set(1)
    assert "set" in repr(v)
    e = AsyncValue()
    e.set(ValueError())
    assert "error" in repr(e)
