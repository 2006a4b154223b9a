import threading

import pytest

from asynckit import AsyncList, AsyncValue, AsyncValueError, CancelledError, Pool
from asynckit import value as value_module
from conftest import WAIT


def test_cancelling_work_that_has_not_started_keeps_it_from_running():
    idle = Pool(worker_count=0)
    ran = []
    v = idle.do(ran.append, 1)
    assert v.cancel() is True
    assert v.is_set() and v.is_error()
    with pytest.raises(CancelledError):
        v.get()
    idle.worker_count = 1
    assert idle.stop(WAIT)
    assert ran == []
    assert not [job for job in value_module._jobs.values() if job.core.pool is idle]  # none kept


def test_cancelling_a_set_value_returns_false_and_changes_nothing(pool):
    v = pool.do(int, 7)
    assert v.get(WAIT) == 7
    assert v.cancel() is False
    assert v.get() == 7 and not v.is_error()


def test_cancelling_running_work_returns_false_and_the_work_sets_its_value(pool):
    started, release = threading.Event(), threading.Event()

    def work():
        started.set()
        assert release.wait(WAIT)
        return "finished"

    v = pool.do(work)
    assert started.wait(WAIT)
    assert v.cancel() is False
    release.set()
    assert v.get(WAIT) == "finished"


def test_cancelling_an_unset_promise_fails_it_and_it_cannot_be_set_then():
    v = AsyncValue()
    assert v.cancel() is True
    with pytest.raises(CancelledError):
        v.get()
    with pytest.raises(AsyncValueError):
        v.set(1)
    assert v.cancel() is False  # already set, with the cancellation


def test_cancelling_work_that_waits_for_an_input_keeps_it_from_running(pool):
    gate = AsyncValue()
    ran = []
    v = pool.do(ran.append, gate)
    assert v.cancel() is True
    gate.set("open")
    assert pool.do(int, 1).get(WAIT) == 1
    with pytest.raises(CancelledError):
        v.get(WAIT)
    assert ran == []


def test_work_chained_on_cancelled_work_fails_with_cancelled_error():
    idle = Pool(worker_count=0)
    v = idle.do(int, 1)
    after = v.chain(int, 2)
    assert v.cancel() is True
    idle.worker_count = 1
    with pytest.raises(CancelledError):
        after.get(WAIT)
    assert idle.stop(WAIT)


def test_cancelling_an_unset_list_fails_it_and_leaves_its_elements_alone():
    a, b = AsyncValue(), AsyncValue()
    lst = AsyncList([a, b])
    assert lst.cancel() is True
    assert lst.is_error()
    with pytest.raises(CancelledError):
        lst.get()
    assert lst.failed_index is None  # no element failed
    a.set(1)
    assert a.get() == 1 and not b.is_set()
