"""Complementary suppression: no published table lets a cell under 5 be derived."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.suppression import extend, suppress

THRESHOLD = 5


def _row_options(published_row, true_row, cols, cap):
    """Every way to fill the hidden cells of one row consistent with its published total."""
    hidden = [c for c in range(cols) if published_row[c] is None]
    known = sum(published_row[c] for c in range(cols) if published_row[c] is not None)
    total = published_row[cols]
    options = []
    for values in itertools.product(range(cap + 1), repeat=len(hidden)):
        if total is not None and known + sum(values) != total:
            continue
        row = list(published_row[:cols])
        for c, v in zip(hidden, values, strict=True):
            row[c] = v
        options.append(row)
    return options


def _solutions(published, rows, cols, cap):
    """Every table of non-negative integers that shows the same published figures."""
    per_row = [_row_options(published[r], None, cols, cap) for r in range(rows)]
    for choice in itertools.product(*per_row):
        ext = extend(choice)
        if all(published[r][c] is None or published[r][c] == ext[r][c]
               for r in range(rows + 1) for c in range(cols + 1)):
            yield ext


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 3).flatmap(
    lambda rows: st.integers(1, 3).flatmap(
        lambda cols: st.lists(st.lists(st.integers(0, 9), min_size=cols, max_size=cols), min_size=rows, max_size=rows)
    )
))
def test_no_hidden_small_cell_can_be_derived(cells):
    rows, cols = len(cells), len(cells[0])
    published = suppress(cells, THRESHOLD)
    truth = extend(cells)
    # Every published figure is true, and every small one is hidden.
    for r in range(rows + 1):
        for c in range(cols + 1):
            assert published[r][c] is None or published[r][c] == truth[r][c]
            assert truth[r][c] >= THRESHOLD or published[r][c] is None
    small_hidden = [(r, c) for r in range(rows) for c in range(cols) if published[r][c] is None and truth[r][c] < THRESHOLD]
    if not small_hidden:
        return
    seen = {p: set() for p in small_hidden}
    cap = max(max(row) for row in cells) + THRESHOLD
    for solution in _solutions(published, rows, cols, cap):
        for p in small_hidden:
            seen[p].add(solution[p[0]][p[1]])
        if all(len(v) > 1 for v in seen.values()):
            return
    derived = [p for p, values in seen.items() if len(values) <= 1]
    assert not derived, (cells, published, derived)


def test_a_single_hidden_cell_gets_a_companion():
    published = suppress([[20, 3, 30]])
    assert published[0][1] is None
    assert sum(v is None for v in published[0][:3]) >= 2


def test_big_cells_are_shown():
    assert suppress([[10, 20], [30, 40]]) == [[10, 20, 30], [30, 40, 70], [40, 60, 100]]
