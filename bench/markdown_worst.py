"""Markdown at its worst: the pathological inputs of the longest allowed length, rendered.

    .venv/bin/python bench/markdown_worst.py [--repeat 5]

Prints, for each input of tests/events/test_markup.py (unclosed image brackets — what made an
event page take 15 s —, deep brackets, links without an end, nested emphasis, quotes, lists…),
the best CPU time of --repeat renderings by ``events.markup.render_markdown``, next to what
plain Python-Markdown takes for the same text (the renderer before its guards, capped at one run
because it takes seconds). Target: every input under 100 ms. Needs no database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")


def _best(function, text: str, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.process_time()
        function(text)
        timings.append(time.process_time() - started)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    import markdown

    from events.markup import render_markdown
    from tests.events.test_markup import WORST_INPUTS

    def plain(text: str) -> str:
        return markdown.markdown(text, extensions=["sane_lists"], output_format="html")

    print(f"{'input':<28} {'chars':>6} {'guarded ms':>11} {'plain ms':>9}")
    for name, text in WORST_INPUTS.items():
        guarded = _best(render_markdown, text, args.repeat) * 1000
        try:
            unguarded = f"{_best(plain, text, 1) * 1000:9.1f}"
        except RecursionError:
            unguarded = f"{'crash':>9}"
        print(f"{name:<28} {len(text):>6} {guarded:11.1f} {unguarded}")


if __name__ == "__main__":
    main()
