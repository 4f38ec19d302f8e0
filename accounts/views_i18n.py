"""Django's JavaScript catalogue, one URL per language so browsers and the cache can keep it."""

from django.conf import settings
from django.http import Http404
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_GET
from django.views.i18n import JavaScriptCatalog

# The catalogue changes only with a deploy; one hour bounds how long an old one can be served.
CATALOGUE_MAX_AGE = 60 * 60

# The project's catalogues are in LOCALE_PATHS, which Django always reads. Naming one package
# (which has no catalogue of its own) stops it harvesting every installed app's djangojs —
# the admin's calendar widgets — into a catalogue our scripts never use.
_catalogue = JavaScriptCatalog.as_view(domain="djangojs", packages=["accounts"])


@require_GET
@cache_page(CATALOGUE_MAX_AGE, key_prefix="jsi18n")
def javascript_catalog(request, lang: str):
    """gettext(), ngettext(), pgettext(), interpolate() and get_format() for the page's scripts.

    The language is in the path, not taken from the cookie, so a cached copy is never served
    in the wrong language after the visitor switches.
    """
    if lang not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(lang):
        response = _catalogue(request)
    patch_cache_control(response, public=True, max_age=CATALOGUE_MAX_AGE)
    return response
