"""One rate limit per client: per token when a token is sent, per address otherwise (429 with Retry-After)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class ClientRateThrottle(SimpleRateThrottle):
    def __init__(self):
        # The rate depends on the request; it is chosen in allow_request.
        pass

    def allow_request(self, request, view):
        self.scope = "token" if isinstance(request.auth, ApiToken) else "public"
        # Read at each request (not frozen at import like DRF's class attribute), so settings apply at once.
        self.rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
