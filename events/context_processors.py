from django.conf import settings

from events import permissions


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_URL": settings.SITE_URL,
        "user_is_organizer": bool(user and permissions.is_organizer(user)),
        "user_is_platform_admin": bool(user and permissions.is_platform_admin(user)),
        "user_is_trainer": bool(user and permissions.is_trainer(user)),
    }
