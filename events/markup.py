"""Markdown to sanitised HTML: a pure function, run once when a text is saved, never per page view."""

from __future__ import annotations

import html
import re

import markdown as md
import nh3

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote", "code", "pre", "hr",
}
# Python-Markdown looks for the end of every "[" (link or image) up to the end of its block, so
# thousands of brackets cost seconds. Real texts need a few links and no deep nesting: brackets
# past these limits, and those never closed, are shown as typed instead of read as links.
MAX_LINK_BRACKETS = 100
MAX_BRACKET_DEPTH = 2
# A link's address ends within this many characters, with at most one level of parentheses of
# its own; otherwise its text is shown as typed (the parser would count parentheses to the end
# of the block).
MAX_LINK_TARGET = 2_000
_LINK_TARGET = re.compile(r"\((?:[^()\n]|\([^()\n]*\))*\)")
# Indentation, quote marks and list markers opening a line: past this many they add no meaning
# but cost a level of nesting (and of recursion) each, so the rest are dropped.
MAX_LINE_PREFIX = 24
_PREFIX_ITEM = r"(?:[ \t>]|[-*+] |\d{1,9}[.)] )"
_PREFIX = re.compile(r"^(%s{%d})%s+" % (_PREFIX_ITEM, MAX_LINE_PREFIX, _PREFIX_ITEM), re.MULTILINE)


def _tame_prefixes(text: str) -> str:
    return _PREFIX.sub(r"\1", text)


def _tame_brackets(text: str) -> str:
    escape: set[int] = set()
    stack: list[int] = []
    opened = 0
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "`":
            # A code span shows brackets as typed: skip to the end of the same run of backticks.
            run = len(text[index:]) - len(text[index:].lstrip("`"))
            end = text.find("`" * run, index + run)
            index = index + run if end == -1 else end + run
            continue
        if char == "[":
            if len(stack) >= MAX_BRACKET_DEPTH or opened >= MAX_LINK_BRACKETS:
                escape.add(index)
            else:
                stack.append(index)
                opened += 1
        elif char == "]" and stack:
            opening = stack.pop()
            if text.startswith("(", index + 1) and not _LINK_TARGET.match(
                text, index + 1, index + 3 + MAX_LINK_TARGET
            ):
                escape.add(opening)
        index += 1
    escape.update(stack)
    if not escape:
        return text
    return "".join("\\[" if i in escape else c for i, c in enumerate(text))


def render_markdown(text: str) -> str:
    """Markdown to HTML with everything that could run script stripped out."""
    source = _tame_brackets(_tame_prefixes(text or ""))
    try:
        rendered = md.markdown(source, extensions=["sane_lists"], output_format="html")
    except RecursionError:
        # Structure nested beyond what the parser can follow: the text as typed, in paragraphs.
        rendered = "".join(f"<p>{html.escape(part)}</p>" for part in source.split("\n\n") if part.strip())
    return nh3.clean(
        rendered,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
