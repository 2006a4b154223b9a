import os
import threading
import time

import pytest

import asynckit
from asynckit import AsyncList, AsyncValue, CancelledError, Pool, PoolStoppedError
from asynckit import value as value_module
from conftest import WAIT


def mult(a, b):
    return a * b


def add(a, b):
    return a + b


def div(a, b):
    return a / b


def test_pool_has_one_worker_by_default():
    p = Pool()
    assert p.worker_count == 1
    assert p.do(add, 1, 2).get(WAIT) == 3
    assert p.stop(WAIT)


def test_worker_count_can_be_read_and_set_at_run_time():
    p = Pool(worker_count=0)
    assert p.worker_count == 0
    p.worker_count = 1
    assert p.worker_count == 1
    p.worker_count = 2
    assert p.worker_count == 2
    p.worker_count = 1
    assert p.worker_count == 1
    assert p.stop(WAIT)


@pytest.mark.parametrize("bad", ["this is not a number", 1.5, None, True, [2]])
def test_setting_a_non_int_worker_count_raises_type_error(bad):
    p = Pool(worker_count=0)
    with pytest.raises(TypeError):
        p.worker_count = bad
    with pytest.raises(TypeError):
        Pool(worker_count=bad)
    assert p.stop(WAIT)


@pytest.mark.parametrize("bad", [-1, 1025])
def test_out_of_range_worker_count_raises_value_error(bad):
    with pytest.raises(ValueError):
        Pool(worker_count=bad)


def test_work_results_come_back_from_get():
    # the original test_pool_work: an empty pool scaled up, then three pieces of work
    p = Pool(worker_count=0)
    p.worker_count = 3
    expect9 = p.do(mult, 3, 3)
    expect6 = p.do(add, 3, 3)
    expect1 = p.do(div, 3, 3)
    assert expect9.get(True) == 9
    assert expect6.get(True) == 6
    assert expect1.get(True) == 1
    assert p.stop(WAIT)


def test_do_passes_positional_and_keyword_arguments(pool):
    def describe(a, b, *rest, sep="-", **extra):
        return sep.join([str(a), str(b)] + [str(r) for r in rest]) + repr(sorted(extra.items()))

    v = pool.do(describe, 1, 2, 3, sep="+", x=1)
    assert v.get(WAIT) == "1+2+3[('x', 1)]"


def test_work_that_returns_none_sets_none(pool):
    v = pool.do(lambda: None)
    assert v.wait(WAIT)
    assert v.is_set() and not v.is_error()
    assert v.get() is None


def test_work_queues_on_a_pool_without_workers_until_it_is_resized():
    p = Pool(worker_count=0)
    values = [p.do(mult, i, i) for i in range(10)]
    assert not any(v.is_set() for v in values)  # nothing can run them
    p.worker_count = 2
    assert [v.get(WAIT) for v in values] == [i * i for i in range(10)]
    assert p.stop(WAIT)


def test_shrinking_while_work_runs_drops_no_work():
    p = Pool(worker_count=4)

    def slow(i):
        time.sleep(0.001)
        return i

    values = [p.do(slow, i) for i in range(200)]
    p.worker_count = 1
    assert AsyncList(values).get(WAIT) == list(range(200))
    p.worker_count = 3
    assert p.do(slow, 7).get(WAIT) == 7
    assert p.stop(WAIT)


def test_ten_thousand_tasks_all_complete_with_their_results():
    p = Pool(worker_count=4)
    values = [p.do(mult, i, 2) for i in range(10_000)]
    results = AsyncList(values).get(WAIT)
    assert results == [i * 2 for i in range(10_000)]
    assert all(v.is_set() and not v.is_error() for v in values)
    assert p.stop(WAIT)
    stats = p.stats()
    assert stats["completed"] == stats["submitted"] == 10_000


def test_ten_thousand_tasks_through_dataflow_sum_correctly():
    # a reduction tree: every add() runs only once its two inputs are set
    p = Pool(worker_count=4)
    level = [p.do(int, i) for i in range(10_000)]
    while len(level) > 1:
        nxt = [p.do(add, level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    assert level[0].get(WAIT) == sum(range(10_000))
    assert p.stop(WAIT)


def test_waiting_inside_work_does_not_deadlock_a_single_worker():
    p = Pool(worker_count=1)

    def outer():
        inner = p.do(mult, 6, 7)
        return inner.get(True) + 1  # the only worker waits: it runs `inner` meanwhile

    assert p.do(outer).get(WAIT) == 43
    assert p.stop(WAIT)


def test_work_can_submit_more_work(pool):
    def fan_out(n):
        return AsyncList([pool.do(mult, i, i) for i in range(n)]).get(True)

    assert pool.do(fan_out, 50).get(WAIT) == [i * i for i in range(50)]


def test_work_runs_concurrently_on_native_threads_not_the_callers(pool):
    barrier = threading.Barrier(3, timeout=WAIT)  # two pieces of work and this thread

    def meet():
        barrier.wait()
        return threading.get_native_id()

    a, b = pool.do(meet), pool.do(meet)
    barrier.wait()  # only returns if both pieces of work run at the same time
    ids = {a.get(WAIT), b.get(WAIT)}
    assert len(ids) == 2
    assert threading.get_native_id() not in ids


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
def test_pool_name_prefixes_its_worker_threads_names():
    p = Pool(worker_count=1, name="akpytest")

    def my_thread_name():
        with open("/proc/self/task/%d/comm" % threading.get_native_id()) as f:
            return f.read().strip()

    assert p.do(my_thread_name).get(WAIT).startswith("akpytest")
    assert p.stop(WAIT)


def test_blocking_stop_runs_all_queued_work_first():
    p = Pool(worker_count=1)
    gate = threading.Event()
    first = p.do(gate.wait, WAIT)
    rest = [p.do(mult, i, 3) for i in range(20)]
    assert p.stop(timeout=0.01) is False  # `first` cannot finish before the gate opens
    gate.set()
    assert p.stop(True) is True
    assert first.get() is True
    assert [v.get() for v in rest] == [i * 3 for i in range(20)]


def test_non_blocking_stop_returns_at_once_and_work_still_finishes():
    p = Pool(worker_count=1)
    gate = threading.Event()
    first = p.do(gate.wait, WAIT)
    queued = [p.do(add, i, 1) for i in range(5)]
    assert p.stop() is False  # busy: it cannot be quiet yet, and it did not wait for the gate
    with pytest.raises(PoolStoppedError):
        p.do(add, 1, 1)
    gate.set()
    assert first.get(WAIT) is True
    assert [v.get(WAIT) for v in queued] == [1, 2, 3, 4, 5]
    assert p.stop(WAIT) is True


def test_stop_with_cancel_fails_work_that_has_not_started():
    p = Pool(worker_count=1)
    gate = threading.Event()
    started = threading.Event()

    def running():
        started.set()
        return gate.wait(WAIT)

    first = p.do(running)
    assert started.wait(WAIT)
    queued = [p.do(add, i, 1) for i in range(5)]
    assert p.stop(timeout=None, cancel=True) is False  # `first` is still running
    gate.set()
    assert p.stop(WAIT) is True
    assert first.get() is True
    for v in queued:
        assert v.is_error()
        with pytest.raises(CancelledError):
            v.get()
    assert not [job for job in value_module._jobs.values() if job.core.pool is p]  # none kept


def test_stop_with_cancel_fails_queued_work_while_other_work_still_runs():
    p = Pool(worker_count=1)
    gate = threading.Event()
    started = threading.Event()

    def running():
        started.set()
        return gate.wait(WAIT)

    first = p.do(running)
    assert started.wait(WAIT)
    queued = p.do(abs, -1)
    try:
        assert p.stop(cancel=True) is False  # `first` holds the only worker until the gate opens
        assert queued.wait(10), "queued work was not failed while the running work still ran"
        with pytest.raises(CancelledError):
            queued.get()
    finally:
        gate.set()
        assert p.stop(WAIT)


def test_do_after_stop_raises_pool_stopped_error():
    p = Pool(worker_count=2)
    assert p.stop(True)
    with pytest.raises(PoolStoppedError):
        p.do(add, 1, 2)
    with pytest.raises(PoolStoppedError):
        p.worker_count = 3
    assert isinstance(PoolStoppedError(-5), asynckit.AsyncKitError)


def test_stop_from_inside_work_waits_for_the_other_work_and_returns():
    p = Pool(worker_count=2)
    others = [p.do(time.sleep, 0.01) for _ in range(4)]
    stopper = p.do(lambda: p.stop(True))
    assert stopper.get(WAIT) is True
    for v in others:
        assert v.wait(WAIT) and not v.is_error()
    assert p.stop(WAIT)


def test_pool_as_context_manager_stops_on_exit():
    with Pool(worker_count=2) as p:
        v = p.do(add, 2, 2)
    assert v.get() == 4
    with pytest.raises(PoolStoppedError):
        p.do(add, 1, 1)


def test_a_pool_nobody_references_finishes_its_work_when_collected():
    v = Pool(worker_count=1).do(mult, 5, 5)  # the value keeps the pool alive until it is set
    assert v.get(WAIT) == 25


def test_a_pool_whose_last_reference_goes_inside_its_own_work_is_fine():
    done = threading.Event()
    Pool(worker_count=1).do(done.set)  # only the work itself keeps the pool alive
    assert done.wait(WAIT)
    assert Pool(worker_count=1).do(abs, -2).get(WAIT) == 2


def test_work_waiting_on_unset_value_is_not_run(pool):
    gate = AsyncValue()
    ran = []
    v = pool.do(ran.append, gate)
    assert not v.is_set()  # its input is not set: it cannot have run
    gate.set("go")
    assert v.wait(WAIT)
    assert ran == ["go"]
