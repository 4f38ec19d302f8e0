"""The organizer's pages for API tokens and webhooks (under /me/api/)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from api import permissions
from api.forms import TokenForm, WebhookForm
from api.models import ApiToken, Webhook, WebhookDelivery
from api.services.tokens import TokenError, token_create, token_revoke
from api.services.webhooks import WebhookError, webhook_create, webhook_resend, webhook_set_enabled


def _require_organizer(request) -> None:
    if not permissions.can_create_tokens(request.user):
        raise PermissionDenied


def _page(request, *, token_form=None, webhook_form=None, new_secret=None, status=200):
    user = request.user
    context = {
        "tokens": ApiToken.objects.filter(owner=user).select_related("city"),
        "webhooks": Webhook.objects.filter(owner=user).select_related("city"),
        "token_form": token_form or TokenForm(user=user),
        "webhook_form": webhook_form or WebhookForm(user=user),
        "two_factor": permissions.signed_in_with_two_factor(request),
        "new_secret": new_secret,
        "now": timezone.now(),
    }
    return render(request, "api/index.html", context, status=status)


@login_required
def index(request):
    _require_organizer(request)
    return _page(request)


@login_required
@require_POST
def token_add(request):
    _require_organizer(request)
    form = TokenForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, token_form=form, status=400)
    try:
        token, raw = token_create(
            owner=request.user, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
            city=form.cleaned_data["city"],
            expires_at=timezone.now() + timedelta(days=form.cleaned_data["days"]),
            two_factor=permissions.signed_in_with_two_factor(request),
        )
    except TokenError as exc:
        form.add_error(None, str(exc))
        return _page(request, token_form=form, status=400)
    # Shown in this answer only: it is stored hashed and cannot be shown again.
    response = _page(request, new_secret={"token": token, "raw": raw})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_view(request, pk):
    token = get_object_or_404(ApiToken, pk=pk)
    try:
        token_revoke(token=token, actor=request.user)
    except TokenError:
        raise PermissionDenied
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api_pages:index")


@login_required
@require_POST
def webhook_add(request):
    _require_organizer(request)
    form = WebhookForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, webhook_form=form, status=400)
    try:
        hook = webhook_create(
            owner=request.user, city=form.cleaned_data["city"], url=form.cleaned_data["url"],
            event_types=form.cleaned_data["event_types"],
        )
    except WebhookError as exc:
        form.add_error("url", str(exc))
        return _page(request, webhook_form=form, status=400)
    return redirect("api_pages:webhook_detail", pk=hook.pk)


def _own_webhook(request, pk) -> Webhook:
    hook = get_object_or_404(Webhook.objects.select_related("city"), pk=pk)
    if not permissions.can_manage_webhook(request.user, hook):
        raise PermissionDenied
    return hook


@login_required
def webhook_detail(request, pk):
    hook = _own_webhook(request, pk)
    since = timezone.now() - timedelta(days=30)
    deliveries = WebhookDelivery.objects.filter(webhook=hook, created_at__gte=since)[:200]
    return render(request, "api/webhook_detail.html", {"webhook": hook, "deliveries": deliveries})


@login_required
@require_POST
def webhook_toggle(request, pk):
    hook = _own_webhook(request, pk)
    webhook_set_enabled(webhook=hook, actor=request.user, enabled=hook.disabled_at is not None)
    return redirect("api_pages:webhook_detail", pk=hook.pk)


@login_required
@require_POST
def delivery_resend(request, pk, delivery_pk):
    hook = _own_webhook(request, pk)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_pk, webhook=hook)
    try:
        webhook_resend(delivery=delivery, actor=request.user)
    except WebhookError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The delivery will be sent again."))
    return redirect("api_pages:webhook_detail", pk=hook.pk)
