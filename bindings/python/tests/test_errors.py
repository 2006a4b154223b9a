import traceback

import pytest

import asynckit
from asynckit import AsyncList, AsyncValue, InvalidWorkTypeError, Pool
from conftest import WAIT


class WorkError(Exception):
    pass


def failing_work(text):
    raise WorkError(text)


def test_exception_in_work_is_raised_by_get_with_its_original_type(pool):
    v = pool.do(failing_work, "broken")
    assert v.wait(WAIT)
    assert v.is_set() and v.is_error()
    with pytest.raises(WorkError, match="broken"):
        v.get()
    with pytest.raises(WorkError, match="broken"):
        v.get(True)


def test_traceback_of_the_work_is_kept(pool):
    v = pool.do(failing_work, "where")
    with pytest.raises(WorkError) as info:
        v.get(WAIT)
    text = "".join(traceback.format_exception(info.type, info.value, info.value.__traceback__))
    assert "failing_work" in text
    assert 'raise WorkError(text)' in text
    assert "_run" not in text  # the binding's own trampoline frame is left out


def test_each_get_raises_with_the_same_traceback(pool):
    v = pool.do(failing_work, "again")
    v.wait(WAIT)
    lengths = []
    for _ in range(3):
        with pytest.raises(WorkError) as info:
            v.get()
        lengths.append(len(traceback.extract_tb(info.value.__traceback__)))
    assert lengths[0] == lengths[1] == lengths[2]


def test_base_exceptions_in_work_never_reach_the_library(pool):
    class Abort(BaseException):
        pass

    def work(kind):
        raise kind()

    for kind in (Abort, KeyboardInterrupt, SystemExit, GeneratorExit):
        v = pool.do(work, kind)
        with pytest.raises(kind):
            v.get(WAIT)
    assert pool.do(int, 1).get(WAIT) == 1  # the workers are still fine


def test_exception_whose_str_fails_is_still_delivered(pool):
    class Nasty(Exception):
        def __str__(self):
            raise RuntimeError("no text for you")

    def work():
        raise Nasty()

    with pytest.raises(Nasty):
        pool.do(work).get(WAIT)


def test_non_callable_work_fails_its_value_with_invalid_work_type_error(pool):
    v = pool.do("not callable")
    with pytest.raises(InvalidWorkTypeError):
        v.get(WAIT)
    with pytest.raises(TypeError):  # it is a TypeError too
        v.get()


def test_a_failed_argument_fails_dependent_work_with_the_same_exception_and_it_never_runs(pool):
    ran = []
    bad = pool.do(failing_work, "input")
    dependent = pool.do(ran.append, bad)
    with pytest.raises(WorkError, match="input") as info:
        dependent.get(WAIT)
    assert info.value is pytest.raises(WorkError, bad.get).value  # the very same exception
    assert ran == []


def test_failure_travels_through_several_levels_of_dependent_work(pool):
    bad = AsyncValue()
    level1 = pool.do(lambda x: x, bad)
    level2 = pool.do(lambda x, y: (x, y), 1, level1)
    level3 = level2.chain(int, 3)
    bad.set(KeyError("deep"))
    for v in (level1, level2, level3):
        with pytest.raises(KeyError, match="deep"):
            v.get(WAIT)


def test_failure_in_keyword_argument_is_reported(pool):
    bad = pool.do(failing_work, "kw")
    good = pool.do(int, 1)
    v = pool.do(lambda a, *, b: a + b, good, b=bad)
    with pytest.raises(WorkError, match="kw"):
        v.get(WAIT)


def test_chained_work_does_not_run_after_a_failure_and_fails_the_same_way(pool):
    ran = []
    v = pool.do(failing_work, "first").chain(ran.append, "second")
    with pytest.raises(WorkError, match="first"):
        v.get(WAIT)
    assert ran == []


def test_cancelled_and_stopped_errors_are_asynckit_errors():
    assert issubclass(asynckit.CancelledError, asynckit.AsyncKitError)
    assert issubclass(asynckit.PoolStoppedError, asynckit.AsyncKitError)
    assert issubclass(asynckit.AsyncValueError, asynckit.AsyncKitError)
    err = asynckit.NativeError(-3)
    assert err.code == -3 and "timed out" in str(err)


def test_failed_work_counts_as_failed_in_pool_stats():
    p = Pool(worker_count=1)
    p.do(failing_work, "x").wait(WAIT)
    assert p.do(int, 1).get(WAIT) == 1
    assert p.stop(WAIT)  # counters are only settled once the pool is quiet
    stats = p.stats()
    assert stats["failed"] == 1 and stats["completed"] == 1 and stats["submitted"] == 2


def test_list_raises_the_first_failed_element_in_list_order(pool):
    a = AsyncValue()
    b = AsyncValue()
    c = AsyncValue()
    lst = AsyncList([a, b, c])
    c.set(ValueError("third"))
    b.set(KeyError("second"))
    assert lst.is_error()  # one failed, though `a` is not set yet
    a.set(1)
    with pytest.raises(KeyError, match="second"):
        lst.get(WAIT)


def test_a_failure_at_the_root_of_a_very_deep_chain_reaches_its_end(pool):
    root = AsyncValue()
    v = root
    for i in range(3000):  # deeper than Python's recursion limit
        v = v.chain(int, i) if i % 2 else pool.do(lambda x: x, v)
    root.set(KeyError("root"))
    with pytest.raises(KeyError, match="root"):
        v.get(WAIT)


def test_a_very_deep_chain_of_dependent_work_delivers_its_result(pool):
    root = AsyncValue()
    v = root
    for _ in range(10_000):
        v = pool.do(lambda x: x + 1, v)
    root.set(0)
    assert v.get(WAIT) == 10_000
