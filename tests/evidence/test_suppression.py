"""Complementary suppression: no published table lets a cell under 5 be derived."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.suppression import extend, suppress, suppress_row

THRESHOLD = 5


def _row_options(published, r, cols, cap):
    """Every way to fill the hidden cells of row ``r`` consistent with its published total."""
    row_pub = published[r]
    hidden = [c for c in range(cols) if row_pub[c] is None]
    known = sum(row_pub[c] for c in range(cols) if row_pub[c] is not None)
    total = row_pub[cols]
    bounds = []
    for c in hidden:
        limits = [cap] + [v for v in (total, published[-1][c], published[-1][cols]) if v is not None]
        bounds.append(range(min(limits) + 1))
    options = []
    for values in itertools.product(*bounds):
        if total is not None and known + sum(values) != total:
            continue
        row = list(row_pub[:cols])
        for c, v in zip(hidden, values, strict=True):
            row[c] = v
        options.append(row)
    return options


def _solutions(published, rows, cols, cap):
    """Every table of non-negative integers that shows the same published figures (depth first, row by row)."""
    per_row = [_row_options(published, r, cols, cap) for r in range(rows)]
    col_totals = published[rows]

    def walk(r, chosen, sums):
        if r == rows:
            ext = extend(chosen)
            if all(published[rows][c] is None or published[rows][c] == ext[rows][c] for c in range(cols + 1)):
                yield ext
            return
        for row in per_row[r]:
            new = [sums[c] + row[c] for c in range(cols)]
            # A visible column total bounds what the rows above it may add up to.
            if any(col_totals[c] is not None and new[c] > col_totals[c] for c in range(cols)):
                continue
            if col_totals[cols] is not None and sum(new) > col_totals[cols]:
                continue
            yield from walk(r + 1, [*chosen, row], new)

    yield from walk(0, [], [0] * cols)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3).flatmap(
    lambda rows: st.integers(1, 3).flatmap(
        lambda cols: st.lists(st.lists(st.integers(0, 8), min_size=cols, max_size=cols), min_size=rows, max_size=rows)
    )
))
def test_no_hidden_small_cell_can_be_derived(cells):
    """Reach tables publish each city's row with its total, and no column totals."""
    rows, cols = len(cells), len(cells[0])
    published = [suppress_row(row, THRESHOLD) for row in cells] + [[None] * (cols + 1)]
    truth = extend(cells)
    # Every published figure is true, and every small one is hidden.
    for r in range(rows):
        for c in range(cols + 1):
            assert published[r][c] is None or published[r][c] == truth[r][c]
            assert truth[r][c] >= THRESHOLD or published[r][c] is None
    small_hidden = [(r, c) for r in range(rows) for c in range(cols) if published[r][c] is None and truth[r][c] < THRESHOLD]
    if not small_hidden:
        return
    seen = {p: set() for p in small_hidden}
    # Bounded by the published totals; beyond them, the largest cell plus the threshold is plenty.
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


def test_the_counterexample_of_two_way_tables_is_safe_row_by_row():
    # With column totals, [[5, 0, 5], [5, 0, 0]] let the zeros be worked out; rows alone do not.
    assert suppress_row([5, 0, 5]) == [None, None, 5, 10]  # a + b = 5: b is anything from 0 to 5
    assert suppress_row([5, 0, 0]) == [None, None, None, 5]
