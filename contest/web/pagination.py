"""Long lists cut into numbered pages: every list screen pages the same way and links its pages
with the `pager` macro (templates/_pagination.html)."""

from dataclasses import dataclass

from contest.core.dbtypes import whole_number

# Pages of 24 fill a grid of 2, 3 or 4 cards a row; tables take 60 rows.
CARDS_PER_PAGE = 24
ROWS_PER_PAGE = 60


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, its number (from 1) and enough to link the others."""

    items: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))

    @property
    def first_index(self):
        """The 1-based position of the page's first item in the whole list."""
        return (self.number - 1) * self.per_page + 1

    def links(self, around=2):
        """The page numbers to link: the first, the last and `around` either side of this one,
        with None where numbers are left out (shown as an ellipsis)."""
        shown = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        links = []
        for number in numbers:
            if links and number - links[-1] > 1:
                links.append(None)
            links.append(number)
        return links


def requested_page(args, name="page"):
    """The page number the query string asks for (1 when absent or not a positive number)."""
    number = whole_number(args.get(name, ""))
    return number if number else 1


def paginate(items, number, per_page):
    """Page `number` of `items` (a sequence); a number past the end gives the last page."""
    page = Page([], 1, per_page, len(items))
    number = min(number, page.pages)
    start = (number - 1) * per_page
    return Page(list(items[start : start + per_page]), number, per_page, len(items))
