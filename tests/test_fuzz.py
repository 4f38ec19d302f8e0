"""Generated input never answers 500: odd paths under every URL pattern, odd values in every form.

Property-based (hypothesis). Paths: every pattern of the URL resolver, with its parameters
replaced by real ids, huge numbers and arbitrary text (control characters, NUL, any script),
plus an arbitrary query string, each requested as a random role. Forms: every form found by
crawling the site as each role (public pages, organizer pages, account pages, the admin) is
posted with generated values — real options, text with control characters, very long text,
huge numbers, dates in year 1 and 9999. Every response must be below 500; an exception inside
a view fails the test with its traceback. The number of requests is printed and must reach
2,000 per run.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from events.models import Event, Question, Registration
from outbox.models import OutgoingEmail
from tests.factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "participant", "trainer", "organizer", "staff"]
PATH_EXAMPLES = 8
FORM_EXAMPLES = 12
MIN_REQUESTS = 2_000
FUZZ = settings(
    max_examples=PATH_EXAMPLES,
    deadline=None,
    database=None,
    # No shrinking: a failure is reported as generated, and a run stays as long as its examples.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# Text as people and probes send it: any script, control characters, NUL, markup, long runs.
ODD_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    st.text(st.characters(max_codepoint=0x20), max_size=10),
    st.sampled_from(
        [
            "\x00", "a\x00b", "\x1b[31m", "\r\n", "%00", "..", "../../etc/passwd", "<script>alert(1)</script>",
            "' OR 1=1 --", "${7*7}", "{{ 7*7 }}", "ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ", "العربية", "😀" * 20,
            "![" * 3000, "*" * 5000, "-1", "0", "1e309", "NaN", "9" * 40, "0001-01-01", "9999-12-31",
            "0001-01-01T00:00", "9999-12-31T23:59", "2100-12-31T23:59", "1999-12-31T23:59",
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.integers(min_value=1, max_value=1_100_000).map(lambda n: "x" * n),
)


# --- the world the requests land in -------------------------------------------------------


@pytest.fixture
def world(city, other_city, organizer, participant, admin_user):
    trainer = UserFactory()
    published = EventFactory(city=city, title="Published", capacity=2, sessions=2)
    draft = EventFactory(city=city, title="Draft", status=Event.Status.DRAFT)
    past = EventFactory(
        city=city, title="Past", sessions=1,
        sessions__start=(timezone.now() - timedelta(days=30)).replace(microsecond=0),
    )
    elsewhere = EventFactory(city=other_city, title="Elsewhere")
    for event in (published, draft, past):
        event.trainers.add(trainer)
    Question.objects.create(event=published, label="Diet", kind=Question.Kind.SINGLE_CHOICE, choices=[
        {"value": "veg", "label": "Vegetarian", "translations": {}},
        {"value": "any", "label": "Anything", "translations": {}},
    ])
    Question.objects.create(event=published, label="Note", kind=Question.Kind.LONG_TEXT)
    registration = Registration.objects.create(event=published, user=participant, status="confirmed")
    Registration.objects.create(event=published, user=UserFactory(), status="pending")
    Registration.objects.create(event=past, user=participant, status="confirmed")
    OutgoingEmail.objects.create(
        user=participant, event=published, to_email=participant.email, template="registration_confirmed",
        language="en", subject="Hello", body_text="Hello", status=OutgoingEmail.Status.FAILED,
    )
    SessionFactory(event=elsewhere)
    users = {
        "anonymous": None,
        "participant": participant,
        "trainer": trainer,
        "organizer": organizer,
        "staff": admin_user,
    }
    ids = sorted(
        {0, 1, 2, 3, published.pk, draft.pk, past.pk, registration.pk, *published.sessions.values_list("pk", flat=True)}
    )
    words = [
        city.slug, other_city.slug, participant.calendar_token, registration.checkin_code,
        published.sessions.first().checkin_code, "events", "riga",
    ]
    return {"users": users, "ids": ids, "words": words, "published": published, "organizer": organizer}


class Counter:
    def __init__(self):
        self.requests = 0
        self.statuses: dict[int, int] = {}

    def record(self, response):
        self.requests += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, response.content[:3000]


@pytest.fixture(scope="module")
def counter():
    counter = Counter()
    yield counter
    print(f"\nfuzz: {counter.requests} generated requests, statuses {dict(sorted(counter.statuses.items()))}")


def _clients(users) -> dict[str, Client]:
    clients = {}
    for role, user in users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        clients[role] = client
    return clients


# --- paths ---------------------------------------------------------------------------------


def _leaves(resolver=None, prefix=()):
    resolver = resolver or get_resolver()
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            yield from _leaves(item, (*prefix, item))
        else:
            yield (*prefix, item)


LEAVES = list(_leaves())
CONVERTER = re.compile(r"<(?:(?P<kind>[^>:]+):)?(?P<name>[^>]+)>")


def _pattern_id(chain) -> str:
    return "".join(str(item.pattern) for item in chain) or "(root)"


def _path_strategy(chain, world):
    ids = st.sampled_from(world["ids"])
    values = {
        "int": st.one_of(ids, ids, st.integers(min_value=0, max_value=2**80)).map(str),
        "str": st.one_of(st.sampled_from(world["words"] + [str(i) for i in world["ids"]]), ODD_TEXT),
    }
    values["slug"] = values["str"]
    values["path"] = values["str"]
    parts = []
    for item in chain:
        pattern = item.pattern
        route = getattr(pattern, "_route", None)
        if route is None:
            regex = pattern.regex.pattern
            parts.append(
                st.from_regex(regex, fullmatch=True, alphabet=st.characters(exclude_categories=["Cs"])).map(
                    lambda text: quote(text, safe="/")
                )
            )
            continue
        pieces, last = [], 0
        for match in CONVERTER.finditer(route):
            pieces.append(st.just(quote(route[last : match.start()], safe="/")))
            strategy = values.get(match.group("kind") or "str", values["str"])
            pieces.append(strategy.map(lambda text: quote(text, safe="")))
            last = match.end()
        pieces.append(st.just(quote(route[last:], safe="/")))
        parts.append(st.tuples(*pieces).map("".join))
    query = st.dictionaries(
        st.sampled_from(["q", "status", "city", "kind", "area", "language", "date_from", "date_to", "page", "next",
                         "lang", "waiting", "code", "o", "p", "e", "_changelist_filters"]) | ODD_TEXT,
        ODD_TEXT,
        max_size=3,
    )
    return st.tuples(st.tuples(*parts).map(lambda items: "/" + "".join(items)), query, st.sampled_from(ROLES))


@pytest.mark.parametrize("chain", LEAVES, ids=[_pattern_id(chain) for chain in LEAVES])
def test_generated_paths_never_answer_500(world, counter, chain):
    clients = _clients(world["users"])

    @FUZZ
    @given(_path_strategy(chain, world))
    def request(case):
        path, query, role = case
        counter.record(clients[role].get(path, query))

    request()


# --- forms ---------------------------------------------------------------------------------


class _FormParser(HTMLParser):
    """The links and POST forms of a page: action, and each field with the values it offers."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select", "button") and attrs.get("name"):
            options = self._form["fields"].setdefault(attrs["name"], [])
            if tag == "select":
                self._select = options
            elif attrs.get("value") is not None:
                options.append(attrs["value"])
        elif tag == "option" and self._select is not None and attrs.get("value") is not None:
            self._select.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


SEEDS = [
    "/", "/events/", "/cities/", "/manage/", "/me/profile/", "/me/registrations/", "/certificates/",
    "/certificates/verify/", "/attendance/check-in/", "/accounts/login/", "/accounts/signup/",
    "/accounts/password/reset/", "/accounts/password/change/", "/accounts/email/", "/accounts/2fa/",
    "/admin/",
]
MAX_PAGES_PER_ROLE = 60
# Posting these would end the role's session (or its test) rather than test a form.
SKIPPED_ACTIONS = ("logout",)


def _local(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(("/static/", "/media/")) or parts.path.endswith((".pdf", ".ics", ".csv", ".xlsx")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _crawl(client: Client, seeds: list[str]) -> list[tuple[str, dict[str, list[str]]]]:
    """Every distinct POST form reachable from ``seeds``: (action, fields)."""
    seen, queue, forms, kinds = set(), deque(seeds), [], set()
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _FormParser()
        parser.feed(response.content.decode())
        for form in parser.forms:
            action = _local(urljoin(url, form["action"])) if form["action"] else url
            if action is None or any(word in action for word in SKIPPED_ACTIONS):
                continue
            try:
                name = resolve(urlsplit(action).path).view_name
            except Resolver404:
                continue
            kind = (name, tuple(sorted(form["fields"])))
            if kind not in kinds:
                kinds.add(kind)
                forms.append((action, form["fields"]))
        for href in parser.links:
            local = _local(urljoin(url, href))
            # Admin list pages repeat themselves under every filter; one of each is enough.
            if local and local not in seen and ("/admin/" not in local or "?" not in local):
                queue.append(local)
    return forms


def _seeds_for(role: str, world) -> list[str]:
    event = world["published"]
    session = event.sessions.first()
    return SEEDS + [
        event.get_absolute_url(),
        f"/events/{event.pk}/register/",
        f"/manage/events/{event.pk}/edit/",
        f"/manage/events/{event.pk}/registrations/",
        f"/manage/events/{event.pk}/questions/",
        f"/manage/events/{event.pk}/cancel/",
        f"/attendance/events/{event.pk}/",
        f"/attendance/sessions/{session.pk}/",
        f"/attendance/sessions/{session.pk}/check-in/",
        f"/certificates/events/{event.pk}/",
        f"/manage/cities/{event.city.slug}/events/new/",
    ]


def _values(fields: dict[str, list[str]]):
    def one(options):
        offered = [value for value in options if value is not None]
        return st.one_of(st.sampled_from(offered), ODD_TEXT) if offered else ODD_TEXT

    names = sorted(fields)
    return st.fixed_dictionaries({name: one(fields[name]) for name in names})


def _fuzz_form(client: Client, user, action: str, fields: dict[str, list[str]], counter: Counter) -> None:
    @settings(FUZZ, max_examples=FORM_EXAMPLES)
    @given(_values(fields))
    def post(data):
        if user is not None:
            client.force_login(user)  # a previous example may have changed the password or logged out
        counter.record(client.post(action, data))

    post()


def test_every_form_takes_generated_values_without_500(world, counter):
    clients = _clients(world["users"])
    posted = 0
    for role in ROLES:
        forms = _crawl(clients[role], _seeds_for(role, world))
        for action, fields in forms:
            _fuzz_form(clients[role], world["users"][role], action, fields, counter)
            posted += 1
    print(f"\nfuzz: {posted} forms posted")
    assert posted >= 30


def test_enough_requests_were_generated(counter):
    """Runs last in this module: the properties above must have made at least 2,000 requests."""
    if counter.requests == 0:
        pytest.skip("the generating tests were not selected")
    assert counter.requests >= MIN_REQUESTS, counter.requests
