import threading

import pytest

from asynckit import AsyncList, AsyncValue, Pool
from conftest import WAIT


@pytest.fixture
def one_worker():
    p = Pool(worker_count=1)
    yield p
    assert p.stop(WAIT)


def test_basic_chain_runs_work_in_order(one_worker):
    my_list = []
    done = one_worker.do(my_list.append, 1).chain(my_list.append, 2).chain(my_list.append, 3)
    assert done.wait(WAIT)
    assert done.is_set() and not done.is_error()
    assert my_list == [1, 2, 3]


def test_chain_on_a_value_already_set(one_worker):
    my_list = []
    semi_done = one_worker.do(my_list.append, 1)
    assert semi_done.wait(WAIT)
    done = semi_done.chain(my_list.append, 2).chain(my_list.append, 3)
    assert done.wait(WAIT)
    assert my_list == [1, 2, 3]


def test_chain_returns_the_result_of_the_last_work(one_worker):
    final = one_worker.do(str, 1).chain(str, 22).chain(str, 333)
    assert final.get(WAIT) == "333"


def test_chained_work_waits_for_the_value_it_continues(one_worker):
    gate = AsyncValue()
    seen = []
    v = gate.pool_chain(one_worker, seen.append, "after")
    assert not v.is_set() and seen == []
    gate.set(1)
    assert v.wait(WAIT)
    assert seen == ["after"]


def test_chain_arguments_that_are_values_are_resolved(one_worker):
    first = one_worker.do(int, 1)
    later = AsyncValue()
    v = first.chain(lambda a, b: a + b, later, b=one_worker.do(int, 10))
    later.set(5)
    assert v.get(WAIT) == 15


def test_chain_on_a_value_set_by_hand_runs_on_the_module_pool():
    v = AsyncValue()
    c = v.chain(lambda: threading.get_native_id())
    v.set(0)
    assert c.get(WAIT) != threading.get_native_id()


def test_chain_on_a_list_runs_after_all_elements(one_worker):
    a, b = AsyncValue(), AsyncValue()
    seen = []
    lst = AsyncList([a, one_worker.do(int, 2), b])
    after = lst.chain(seen.append, "done")
    a.set(1)
    assert not after.is_set()  # `b` is not set: the chained work cannot have run
    b.set(3)
    assert after.wait(WAIT) and not after.is_error()
    assert seen == ["done"]
    assert lst.get() == [1, 2, 3]


def test_chain_on_a_failed_list_fails_with_the_elements_exception(one_worker):
    a = AsyncValue()
    lst = AsyncList([one_worker.do(int, 1), a])
    after = lst.chain(int, 5)
    a.set(LookupError("element"))
    with pytest.raises(LookupError, match="element"):
        after.get(WAIT)


def test_pool_chain_runs_on_the_given_pool(one_worker):
    idle = Pool(worker_count=0)
    first = one_worker.do(int, 1)
    on_idle = first.pool_chain(idle, int, 2)
    on_busy = first.pool_chain(one_worker, int, 3)
    assert on_busy.get(WAIT) == 3
    assert not on_idle.is_set()  # the pool it was given has no workers
    idle.worker_count = 1
    assert on_idle.get(WAIT) == 2
    assert idle.stop(WAIT)


def test_pool_chain_needs_a_pool():
    with pytest.raises(TypeError):
        AsyncValue().pool_chain("pool", int)
