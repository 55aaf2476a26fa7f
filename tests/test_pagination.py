"""Cutting lists into pages: numbers, clamping, the links shown."""

from werkzeug.datastructures import MultiDict

from contest.web.pagination import paginate, requested_page


def test_pages_hold_per_page_items_and_the_last_the_rest():
    items = list(range(1, 61))
    first, last = paginate(items, 1, 24), paginate(items, 3, 24)
    assert first.items == list(range(1, 25)) and first.pages == 3 and first.total == 60
    assert last.items == list(range(49, 61)) and last.first_index == 49


def test_a_page_past_the_end_gives_the_last_and_an_empty_list_one_page():
    assert paginate(list(range(10)), 9, 4).number == 3
    empty = paginate([], 2, 24)
    assert (empty.number, empty.pages, empty.items) == (1, 1, [])


def test_links_keep_the_ends_and_the_neighbours_with_gaps_marked():
    page = paginate(list(range(1000)), 10, 24)  # 42 pages
    assert page.links() == [1, None, 8, 9, 10, 11, 12, None, 42]
    assert paginate(list(range(48)), 1, 24).links() == [1, 2]


def test_the_requested_page_is_a_positive_number_or_one():
    for value, expected in (("3", 3), ("0", 1), ("-2", 1), ("two", 1), ("", 1)):
        assert requested_page(MultiDict({"page": value})) == expected
    assert requested_page(MultiDict()) == 1
