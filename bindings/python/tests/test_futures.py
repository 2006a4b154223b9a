import asyncio
import concurrent.futures

import pytest

from asynckit import AsyncValue, CancelledError, Pool, as_completed
from asynckit import value as value_module
from conftest import WAIT


def test_as_completed_yields_values_in_the_order_they_are_set():
    a, b, c = AsyncValue(), AsyncValue(), AsyncValue()
    it = as_completed([a, b, c], timeout=WAIT)
    b.set(2)
    assert next(it) is b
    c.set(3)
    assert next(it) is c
    a.set(1)
    assert next(it) is a
    with pytest.raises(StopIteration):
        next(it)


def test_as_completed_yields_values_already_set_first_and_each_once():
    a, b = AsyncValue(), AsyncValue()
    b.set("b")
    it = as_completed([a, b, b])
    assert next(it) is b
    a.set("a")
    assert list(it) == [a]


def test_as_completed_times_out_on_a_value_never_set():
    done, never = AsyncValue(), AsyncValue()
    done.set(1)
    it = as_completed([done, never], timeout=0.05)
    assert next(it) is done
    with pytest.raises(concurrent.futures.TimeoutError):
        next(it)


def test_as_completed_over_pool_work(pool):
    values = [pool.do(pow, 2, i) for i in range(50)]
    got = sorted(v.get() for v in as_completed(values, timeout=WAIT))
    assert got == [2**i for i in range(50)]


def test_future_completes_with_the_result(pool):
    fut = pool.do(sum, [1, 2, 3]).future()
    assert isinstance(fut, concurrent.futures.Future)
    assert fut.result(WAIT) == 6


def test_future_of_a_failed_value_raises_the_exception(pool):
    def boom():
        raise ZeroDivisionError("zero")

    fut = pool.do(boom).future()
    with pytest.raises(ZeroDivisionError, match="zero"):
        fut.result(WAIT)


def test_asyncio_code_can_await_wrapped_futures(pool):
    async def main():
        a = pool.do(pow, 3, 2)
        b = AsyncValue()
        b.set("hand")
        results = await asyncio.wait_for(
            asyncio.gather(asyncio.wrap_future(a.future()), asyncio.wrap_future(b.future())), WAIT
        )
        direct = await asyncio.wait_for(asyncio.ensure_future(_await(pool.do(len, "four"))), WAIT)
        return results, direct

    async def _await(v):
        return await v

    assert asyncio.run(main()) == ([9, "hand"], 4)


def test_asyncio_sees_the_work_exception():
    async def main():
        v = AsyncValue()
        v.set(PermissionError("nope"))
        await asyncio.wrap_future(v.future())

    with pytest.raises(PermissionError, match="nope"):
        asyncio.run(main())


def test_cancelling_the_future_cancels_work_that_has_not_started():
    idle = Pool(worker_count=0)
    ran = []
    v = idle.do(ran.append, 1)
    fut = v.future()
    assert fut.cancel()
    with pytest.raises(CancelledError):
        v.get(WAIT)
    idle.worker_count = 1
    assert idle.stop(WAIT)
    assert ran == []
    assert not [job for job in value_module._jobs.values() if job.core.pool is idle]  # none kept
