from django.http import HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """For load balancers and the benchmark's baseline: the cost of Django itself, no database."""
    return HttpResponse("ok", content_type="text/plain")
