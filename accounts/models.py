import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Email is the login; the full name is printed on certificates as typed."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(
        _("full name"),
        max_length=200,
        blank=True,
        help_text=_("Exactly as it must appear on your certificates, with all accents."),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Pages and emails are shown in this language."),
    )
    # Counts the person among "city staff trained" on the evidence dashboard (issue 12).
    works_for_city = models.BooleanField(
        _("I work for a city administration"), default=False,
        help_text=_("Counted, without your name, among the city staff trained on the city's evidence dashboard."),
    )
    # Secret part of the personal calendar feed URL; regenerating it revokes old links.
    calendar_token = models.CharField(
        max_length=64, unique=True, default=new_calendar_token, editable=False, verbose_name=_("calendar token")
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name
