import pytest

from asynckit import AsyncList, AsyncValue, AsyncValueError, Pool
from conftest import WAIT


def test_empty_list_is_set_at_once_and_cannot_be_set_or_cleared():
    al = AsyncList()
    assert not al.is_error()
    assert al.is_set()
    assert al.get() == []
    with pytest.raises(AsyncValueError):
        al.set()
    with pytest.raises(AsyncValueError):
        al.clear()
    assert AsyncList([]).get(True) == []


def test_list_is_set_once_every_element_is():
    elements = [AsyncValue(), AsyncValue()]
    al = AsyncList(elements)
    assert len(al) == 2
    assert not al.is_error()
    assert not al.is_set()
    assert al.get() is None
    elements[0].set()
    assert not al.is_error()
    assert not al.is_set()
    elements[1].set()
    assert not al.is_error()
    assert al.is_set()
    assert al.get() == [None, None]


def test_get_true_returns_the_results_in_list_order():
    p = Pool(worker_count=3)
    late = AsyncValue()
    al = AsyncList([late, p.do(int, 2), p.do(int, 3)])
    late.set(1)
    assert al.get(True) == [1, 2, 3]
    assert list(al) == list(al._values)
    assert p.stop(WAIT)


def test_wait_on_a_list_waits_for_all():
    elements = [AsyncValue(), AsyncValue()]
    al = AsyncList(elements)
    assert al.wait(0.01) is False
    elements[1].set(2)
    elements[0].set(1)
    assert al.wait(WAIT)
    assert al.get() == [1, 2]


def test_is_error_if_any_element_failed():
    elements = [AsyncValue(), AsyncValue(), AsyncValue()]
    al = AsyncList(elements)
    elements[2].set(IndexError("last"))
    assert al.is_error()
    elements[0].set(0)
    elements[1].set(1)
    with pytest.raises(IndexError, match="last"):
        al.get(True)


def test_plain_objects_in_a_list_count_as_set_values():
    al = AsyncList([1, "two", None])
    assert al.is_set()
    assert al.get() == [1, "two", None]


def test_lists_nest():
    inner = AsyncList([AsyncValue(), 2])
    outer = AsyncList([inner, AsyncList([]), 3])
    assert not outer.is_set()
    inner[0].set(1)
    assert outer.get(WAIT) == [[1, 2], [], 3]


def test_list_timeout_returns_none():
    al = AsyncList([AsyncValue()])
    assert al.get(0.01) is None


def test_list_of_values_from_several_pools(pool):
    other = Pool(worker_count=1)
    al = AsyncList([pool.do(int, 1), other.do(int, 2)])
    assert al.get(WAIT) == [1, 2]
    assert other.stop(WAIT)
