"""Small-cell suppression for published tables: primary (< threshold) and complementary.

A table is cells ``[row][col]`` with its row totals, column totals and grand total, all
published. A cell under the threshold is hidden ("<5"). That alone is not enough: with the
totals shown, a row holding a single hidden cell gives it away by subtraction, and so does a
row whose hidden cells add up to 0. So, until nothing changes, every line (a row with its
total, a column with its total — the totals row and column are lines too) that has hidden
entries gets more hidden until it has at least two and they add up to at least the threshold.
The next cell hidden is the smallest visible one of the line, so as little as possible is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

HIDDEN = None


def _lines(rows: int, cols: int) -> list[list[tuple[int, int]]]:
    """Every linear relation of the extended table (cells, row totals at [r][cols], column totals at [rows][c])."""
    lines = [[(r, c) for c in range(cols + 1)] for r in range(rows + 1)]
    lines += [[(r, c) for r in range(rows + 1)] for c in range(cols + 1)]
    return lines


def extend(cells: Sequence[Sequence[int]]) -> list[list[int]]:
    """The table with its row totals (last column) and column totals (last row)."""
    rows = [list(row) + [sum(row)] for row in cells]
    cols = len(cells[0]) if cells else 0
    totals = [sum(row[c] for row in rows) for c in range(cols + 1)]
    return rows + [totals]


def suppress(cells: Sequence[Sequence[int]], threshold: int = 5) -> list[list[int | None]]:
    """The extended table (``extend``) with hidden entries as None."""
    if not cells or not cells[0]:
        return [list(row) for row in extend(cells)] if cells else [[0]]
    table = extend(cells)
    rows, cols = len(cells), len(cells[0])
    hidden = {(r, c) for r in range(rows + 1) for c in range(cols + 1) if table[r][c] < threshold}
    lines = _lines(rows, cols)
    changed = True
    while changed:
        changed = False
        for line in lines:
            inside = [p for p in line if p in hidden]
            if not inside:
                continue
            # The relation of a line: the total equals the sum of the others. Hidden entries
            # of a line are safe when there are two or more and they are not all small (their
            # sum, as the total minus the visible ones, says nothing precise about one of them).
            total_pos = line[-1]
            hidden_sum = sum(table[r][c] for r, c in inside if (r, c) != total_pos)
            if total_pos in hidden:
                hidden_sum = threshold  # the relation cannot be solved without its total
            if len(inside) >= 2 and hidden_sum >= threshold:
                continue
            visible = [p for p in line if p not in hidden]
            if not visible:
                continue
            # The smallest visible cell; a total only when no cell is left.
            candidates = [p for p in visible if p != total_pos] or visible
            pick = min(candidates, key=lambda p: (table[p[0]][p[1]], p))
            hidden.add(pick)
            changed = True
    return [[HIDDEN if (r, c) in hidden else table[r][c] for c in range(cols + 1)] for r in range(rows + 1)]


def suppress_row(cells: Sequence[int], threshold: int = 5) -> list[int | None]:
    """One row and its total, published alone (no column totals tie it to other rows).

    Hidden: every entry under the threshold, then the smallest visible cells until the hidden
    cells are at least two and add up to at least the threshold (or everything is hidden). With
    one equation per row, no hidden cell can then be worked out. This is what reach tables use:
    the two-way ``suppress`` above leaves a table where non-negativity across rows and columns
    can still pin a zero (found by the property test: [[5, 0, 5], [5, 0, 0]]).
    """
    values = list(cells) + [sum(cells)]
    hidden = {i for i, v in enumerate(values) if v < threshold}
    last = len(values) - 1
    while hidden and (len(hidden - {last}) < 2 or sum(values[i] for i in hidden if i != last) < threshold) \
            and last not in hidden:
        visible = [i for i in range(last) if i not in hidden]
        if not visible:
            hidden.add(last)
            break
        hidden.add(min(visible, key=lambda i: (values[i], i)))
    return [None if i in hidden else v for i, v in enumerate(values)]
