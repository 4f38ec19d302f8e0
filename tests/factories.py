"""factory-boy factories shared by the whole suite."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import User
from events.content import search_text_for
from events.markup import render_markdown
from events.models import City, CityMembership, Event, Registration, Session


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person Nº{n} Łukasz Åström")
    preferred_language = "en"
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        # Mirrors allauth's own record so the user can log in with mandatory verification.
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            self.save()
            EmailAddress.objects.get_or_create(user=self, email=self.email, defaults={"verified": True, "primary": True})


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"City {n}")
    slug = factory.Sequence(lambda n: f"city-{n}")
    country = "LV"
    timezone = "Europe/Riga"
    default_language = "lv"
    narrative = "We build **trust** between neighbours."


class OrganizerFactory(UserFactory):
    @factory.post_generation
    def city(self, create, extracted, **kwargs):
        if create and extracted is not None:
            CityMembership.objects.create(user=self, city=extracted)


class EventFactory(factory.django.DjangoModelFactory):
    """A published event with one two-hour session a week from now, unless told otherwise."""

    class Meta:
        model = Event
        skip_postgeneration_save = True

    city = factory.SubFactory(CityFactory)
    kind = Event.Kind.LAUNCH
    area = Event.Area.INTERACTION
    title = factory.Sequence(lambda n: f"Event {n}")
    summary = "A meeting of neighbours."
    language = "en"
    venue_name = "City Hall"
    venue_address = "Main Square 1"
    status = Event.Status.PUBLISHED
    capacity = None
    translations = factory.LazyFunction(dict)
    # What the event services keep in the column, so the list's search finds factory events too.
    search_text = factory.LazyAttribute(
        lambda o: search_text_for(
            o.city.name, o.venue_name, o.title, o.summary, getattr(o, "description", ""),
            *(text for values in o.translations.values() for text in values.values()),
        )
    )
    description = ""
    description_html = factory.LazyAttribute(lambda event: render_markdown(event.description))
    description_html_translations = factory.LazyAttribute(
        lambda event: {
            lang: render_markdown(texts["description"])
            for lang, texts in event.translations.items()
            if texts.get("description")
        }
    )

    @factory.post_generation
    def sessions(self, create, extracted, **kwargs):
        """``sessions=N`` adds N weekly sessions (default 1); ``sessions=0`` none."""
        if not create:
            return
        count = 1 if extracted is None else extracted
        start = kwargs.get("start") or (timezone.now() + timedelta(days=7)).replace(microsecond=0)
        for i in range(count):
            s = start + timedelta(days=7 * i)
            SessionFactory(event=self, starts_at=s, ends_at=s + timedelta(hours=2), title=f"Session {i + 1}")


class SessionFactory(factory.django.DjangoModelFactory):
    """A session made through ``session_create``, so its event's dates follow, as in real use."""

    class Meta:
        model = Session

    event = factory.SubFactory(EventFactory, sessions=0)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from django.db import transaction

        from events.services.events import session_create

        extra = {name: kwargs.pop(name) for name in ("sequence", "checkin_code") if name in kwargs}
        from api.models import WebhookDelivery

        pending = transaction.get_connection().run_on_commit
        before = len(pending)
        last_delivery = WebhookDelivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        session = session_create(**kwargs)
        # Set-up state, not a change: nobody is told about a session that was always there, and a
        # notice left pending (or a webhook delivery queued) would stand in for the one the test
        # itself is about.
        del pending[before:]
        WebhookDelivery.objects.filter(pk__gt=last_delivery).delete()
        if extra:  # set-up state the services never take as input
            Session.objects.filter(pk=session.pk).update(**extra)
            for name, value in extra.items():
                setattr(session, name, value)
        return session


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A row written directly, for setting up state in tests; real code uses the services."""

    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    status = Registration.Status.CONFIRMED
