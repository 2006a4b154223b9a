import pytest

from asynckit import AsyncList, AsyncValue
from conftest import WAIT


def test_a_failed_list_names_the_element_it_failed_because_of():
    a, b, c = AsyncValue(), AsyncValue(), AsyncValue()
    lst = AsyncList([a, b, c])
    c.set(KeyError("third"))
    b.set(ValueError("second"))
    assert lst.failed_index is None  # not set yet: `a` comes first
    a.set(1)
    assert lst.wait(WAIT)
    assert lst.failed_index == 1
    with pytest.raises(ValueError, match="second"):
        lst.get()


def test_a_list_set_with_values_names_no_element():
    lst = AsyncList([1, 2])
    assert lst.is_set() and lst.failed_index is None


def test_a_list_whose_element_is_a_failed_list_names_that_element():
    inner = AsyncList([1, AsyncValue()])
    outer = AsyncList([0, inner])
    inner[1].set(IndexError("inside"))
    assert outer.wait(WAIT)
    assert inner.failed_index == 1 and outer.failed_index == 1
    with pytest.raises(IndexError, match="inside"):
        outer.get()


def test_a_dependent_finds_its_failed_input_among_several(pool):
    ok, bad = AsyncValue(), AsyncValue()
    v = pool.do(lambda *xs: xs, 1, ok, 2, bad)
    ok.set("fine")
    bad.set(ArithmeticError("the second input"))
    with pytest.raises(ArithmeticError, match="the second input") as info:
        v.get(WAIT)
    assert info.value is pytest.raises(ArithmeticError, bad.get).value
