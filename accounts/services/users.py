"""The only place that changes a user's own profile data."""

from django.conf import settings
from django.db import transaction

from accounts.models import User, new_calendar_token


def user_update_profile(
    *, user: User, full_name: str, preferred_language: str, works_for_city: bool | None = None
) -> User:
    if preferred_language not in dict(settings.LANGUAGES):
        raise ValueError(f"unsupported language {preferred_language!r}")
    user.full_name = " ".join(full_name.split())
    user.preferred_language = preferred_language
    fields = ["full_name", "preferred_language"]
    if works_for_city is not None:
        user.works_for_city = works_for_city
        fields.append("works_for_city")
    user.save(update_fields=fields)
    return user


def user_set_language(*, user: User, language: str) -> None:
    if language in dict(settings.LANGUAGES) and user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def user_complete_signup(*, user: User, full_name: str, preferred_language: str) -> User:
    """The extra fields of the signup form, on the account allauth has just created."""
    return user_update_profile(user=user, full_name=full_name, preferred_language=preferred_language)


@transaction.atomic(durable=True)
def user_regenerate_calendar_token(*, user: User) -> str:
    """Give the user a new private feed secret; the old URL stops working at once."""
    user.calendar_token = new_calendar_token()
    user.save(update_fields=["calendar_token"])
    return user.calendar_token
