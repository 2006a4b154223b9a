import pytest

from asynckit import AsyncAny, AsyncList, AsyncValue, AsyncValueError, CancelledError
from conftest import WAIT


def test_the_first_value_set_wins_and_later_ones_change_nothing():
    a, b, c = AsyncValue(), AsyncValue(), AsyncValue()
    first = AsyncAny([a, b, c])
    assert not first.is_set() and first.get() is None and first.index is None
    b.set("b")
    assert first.is_set() and not first.is_error()
    assert first.get() == "b" and first.index == 1
    a.set("a")
    c.set(ValueError("late"))
    assert first.get(True) == "b" and first.index == 1


def test_among_values_already_set_the_first_in_list_order_wins():
    a, b, c = AsyncValue(), AsyncValue(), AsyncValue()
    c.set("c")
    b.set("b")
    first = AsyncAny([a, b, c])
    assert first.get() == "b" and first.index == 1


def test_plain_objects_count_as_values_already_set():
    first = AsyncAny([AsyncValue(), 5, 6])
    assert first.get() == 5 and first.index == 1


def test_an_empty_any_is_refused():
    with pytest.raises(ValueError):
        AsyncAny([])


def test_it_is_set_by_its_elements_not_by_hand_and_holds_them():
    a, b = AsyncValue(), AsyncValue()
    first = AsyncAny([a, b])
    with pytest.raises(AsyncValueError):
        first.set(1)
    with pytest.raises(AsyncValueError):
        first.clear()
    assert len(first) == 2 and first[0] is a and list(first) == [a, b]


def test_a_failed_winner_raises_its_own_exception(pool):
    a = AsyncValue()
    b = pool.do(int, "not a number")
    first = AsyncAny([a, b])
    with pytest.raises(ValueError, match="not a number") as info:
        first.get(WAIT)
    assert info.value is pytest.raises(ValueError, b.get).value  # the very same exception
    assert first.is_error() and first.index == 1 and first.failed_index == 1


def test_the_winner_is_found_by_index_not_by_its_message(pool):
    # b wins by failing because its input failed: its message (which the any-list copies) says
    # "input 0 failed", which names element 0 of the any-list: a, which fails too, later.
    a, cause = AsyncValue(), AsyncValue()
    b = pool.do(lambda x: x, cause)
    first = AsyncAny([a, b])
    cause.set(KeyError("b's input"))
    assert first.wait(WAIT)
    a.set(LookupError("a, later"))
    with pytest.raises(KeyError, match="b's input"):
        first.get()
    assert first.index == 1 and first.failed_index == 1


def test_a_winning_list_gives_its_values():
    never = AsyncValue()
    lst = AsyncList([1, AsyncValue(), 3])
    first = AsyncAny([never, lst])
    lst[1].set(2)
    assert first.get(WAIT) == [1, 2, 3] and first.index == 1


def test_anys_nest():
    inner = AsyncAny([AsyncValue(), AsyncValue()])
    outer = AsyncAny([AsyncValue(), inner])
    inner[1].set("deep")
    assert outer.get(WAIT) == "deep" and outer.index == 1 and inner.index == 1


def test_work_takes_an_any_as_argument_and_chains_on_it(pool):
    a, b = AsyncValue(), AsyncValue()
    first = AsyncAny([a, b])
    doubled = pool.do(lambda x: x * 2, first)
    after = first.chain(str, "after")
    a.set(21)
    assert doubled.get(WAIT) == 42
    assert after.get(WAIT) == "after"


def test_work_that_chains_on_a_failed_any_fails_with_the_winners_exception(pool):
    a = AsyncValue()
    first = AsyncAny([AsyncValue(), a])
    after = first.chain(int, 1)
    a.set(OSError("winner"))
    with pytest.raises(OSError, match="winner"):
        after.get(WAIT)


def test_cancelling_an_unset_any_fails_it_and_leaves_its_elements_alone():
    a, b = AsyncValue(), AsyncValue()
    first = AsyncAny([a, b])
    assert first.cancel() is True
    with pytest.raises(CancelledError):
        first.get()
    assert first.index is None and first.failed_index is None
    assert not a.is_set() and not b.is_set()
    b.set(2)
    assert b.get() == 2
