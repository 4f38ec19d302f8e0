"""Small HTML checks shared by the account page tests: one heading, every control labelled."""

from html.parser import HTMLParser

_UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h1_count = 0
        self.label_targets: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self._in_main = False
        self.main_seen = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self._in_main = self.main_seen = True
        if tag == "h1":
            self.h1_count += 1
        elif tag == "label" and attrs.get("for"):
            self.label_targets.add(attrs["for"])
        elif tag in {"input", "select", "textarea"}:
            if tag == "input" and (attrs.get("type") or "text") in _UNLABELLED_TYPES:
                return
            self.controls.append({"tag": tag, "in_main": self._in_main, **attrs})

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main = False


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def unlabelled_controls(html: str) -> list[dict]:
    page = parse(html)
    return [
        c for c in page.controls if not c.get("aria-label") and not (c.get("id") and c["id"] in page.label_targets)
    ]


def assert_site_page(response) -> None:
    """The page is rendered inside the site layout, with one h1 and labelled controls."""
    html = response.content.decode()
    page = parse(html)
    assert page.main_seen, "not rendered inside base.html"
    assert 'class="site-header"' in html
    assert page.h1_count == 1, f"expected one <h1>, found {page.h1_count}"
    assert unlabelled_controls(html) == []
