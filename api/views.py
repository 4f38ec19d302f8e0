"""The REST API, version 1. Reads use the QuerySets of the pages; writes call the services."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from api import conditional, i18n, permissions, programme, serializers
from api.filters import EventFilterSet, RegistrationFilterSet, filter_events
from api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from api.models import ApiToken, Scope
from certificates.models import Certificate
from certificates.services.certificates import CertificateError, certificate_revoke
from events.exports import CSV_MIMETYPE, XLSX_MIMETYPE, registration_table, table_to_csv, table_to_xlsx
from events.models import Attendance, City, Event, Question, Registration, Session
from events.services.attendance import AttendanceError, attendance_mark
from events.services.events import EventError, event_cancel, event_publish
from events.services.registrations import (
    RegistrationError,
    registration_add_by_email,
    registration_cancel,
    registrations_for_admin,
)

LANG_PARAMETER = OpenApiParameter(
    "lang", OpenApiTypes.STR, description="A site language (falls back like the pages), or `all` for every translation."
)


def _token(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


def _service_error(exc: Exception) -> Response:
    return Response(
        {"detail": str(exc), "code": getattr(exc, "code", None) or "invalid"}, status=status.HTTP_400_BAD_REQUEST
    )


class LanguageMixin:
    """Answers in ``?lang=`` (or the request's language); ``?lang=all`` keeps labels in the request's language."""

    def initial(self, request, *args, **kwargs):
        # Before authentication and permissions, so their refusals speak the requested language too.
        self.language = i18n.requested_language(request)
        if self.language != i18n.ALL:
            translation.activate(self.language)
            request.LANGUAGE_CODE = self.language
        super().initial(request, *args, **kwargs)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "language": self.language, "now": timezone.now()}

    def handle_exception(self, exc):
        if isinstance(exc, Http404):
            # Django's message names the model ("No Event matches…") and is never translated.
            exc = NotFound()
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        patch_vary_headers(response, ("Accept-Language", "Authorization"))
        return response


class PublicMixin(LanguageMixin):
    """Readable without a token, from any origin (CORS for GET); with a token only to add its drafts."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        conditional.add_cors(response)
        if response.status_code in (200, 304):
            response["Cache-Control"] = "private, no-cache" if _token(request) else "public, max-age=60"
        return response

    def conditional_retrieve(self, request, data_builder):
        data = data_builder()
        etag = conditional.body_etag([self.language, data])
        if conditional.matches(request, etag):
            return conditional.not_modified(etag)
        response = Response(data)
        response["ETag"] = etag
        return response


class _Cursor(CursorPagination):
    def get_paginated_response_schema(self, schema):
        # OpenAPI 3.1 (JSON Schema) spells "may be null" as a type list; DRF's schema says "nullable".
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }


class EventCursorPagination(_Cursor):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("starts_at", "id")


class CityList(PublicMixin, generics.ListAPIView):
    """The EPI cities."""

    serializer_class = serializers.CitySerializer
    pagination_class = None
    queryset = City.objects.all()

    @extend_schema(parameters=[LANG_PARAMETER])
    def get(self, request, *args, **kwargs):
        return self.conditional_retrieve(
            request, lambda: self.get_serializer(self.get_queryset(), many=True).data
        )


class CityDetail(PublicMixin, generics.RetrieveAPIView):
    serializer_class = serializers.CitySerializer
    queryset = City.objects.all()
    lookup_field = "slug"

    @extend_schema(parameters=[LANG_PARAMETER])
    def get(self, request, *args, **kwargs):
        return self.conditional_retrieve(request, lambda: self.get_serializer(self.get_object()).data)


def _visibility(token: ApiToken | None) -> tuple[Q, tuple]:
    """What a caller may read — the public programme, plus the drafts a token may manage — and,
    for the ETag, what of the caller decides it (the owner's cities today, the token's city)."""
    visible = Q(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])
    if token is None or Scope.EVENTS_READ not in token.scopes:
        return visible, ()
    from events.permissions import is_platform_admin, organized_city_ids

    if is_platform_admin(token.owner):
        drafts, managed = Q(status=Event.Status.DRAFT), ("all",)
    else:
        managed = tuple(sorted(organized_city_ids(token.owner)))
        drafts = Q(status=Event.Status.DRAFT, city_id__in=managed)
    if token.city_id:
        drafts &= Q(city_id=token.city_id)
    return visible | drafts, (managed, token.city_id)


def _events_base(token: ApiToken | None):
    return Event.objects.filter(_visibility(token)[0])


def _programme_etag(request, language: str, *parts) -> str:
    """The ETag of an event read without reading it: the programme's version (``api.programme``),
    the URL's query, the language, who asks, and the minute — a registration window opening or
    closing changes a full event's seat bucket, and "upcoming" moves on by itself."""
    minute = timezone.now().replace(second=0, microsecond=0)
    return conditional.make_etag(
        programme.programme_version(), language, sorted(request.query_params.lists()),
        _visibility(_token(request))[1], minute, *parts,
    )


def _with_sessions(queryset):
    return queryset.prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "id")))


class EventList(PublicMixin, generics.ListAPIView):
    """The programme: published and cancelled events with their sessions, in start order.

    Upcoming events unless `date_from` says otherwise. Seats are a bucket, never a count.
    """

    serializer_class = serializers.EventSerializer
    pagination_class = EventCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = EventFilterSet

    def get_queryset(self):
        return _events_base(_token(self.request))

    @extend_schema(parameters=[LANG_PARAMETER])
    def get(self, request, *args, **kwargs):
        # The ETag first, from the version read before the data: a 304 reads nothing else.
        etag = _programme_etag(request, self.language, "events")
        if conditional.matches(request, etag):
            return conditional.not_modified(etag)
        # The page as ids, straight from the (status, starts_at) index: no join, no count.
        rows = self.paginate_queryset(filter_events(request.query_params, self.get_queryset()).values("id", "starts_at"))
        ids = [row["id"] for row in rows]
        # The rows themselves, counted by the pages' own QuerySet — for this page only.
        by_id = {event.pk: event for event in _with_sessions(Event.objects.filter(pk__in=ids).for_listing())}
        events = [by_id[pk] for pk in ids if pk in by_id]
        response = self.get_paginated_response(self.get_serializer(events, many=True).data)
        response["ETag"] = etag
        return response


class EventDetail(PublicMixin, generics.RetrieveAPIView):
    serializer_class = serializers.EventSerializer

    def get_queryset(self):
        return _with_sessions(Event.objects.for_listing())

    def get_object(self):
        event = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if not permissions.token_can_view_event(_token(self.request), event):
            raise Http404
        return event

    @extend_schema(parameters=[LANG_PARAMETER])
    def get(self, request, *args, **kwargs):
        etag = _programme_etag(request, self.language, "event", self.kwargs["pk"])
        if conditional.matches(request, etag):
            return conditional.not_modified(etag)
        response = Response(self.get_serializer(self.get_object()).data)
        response["ETag"] = etag
        return response


# Token endpoints ----------------------------------------------------------------------------


class TokenView(LanguageMixin):
    """Needs a token with ``required_scope`` and, per object, the owner's current right."""

    required_scope = ""

    def get_permissions(self):
        return [permissions.HasScope.of(self.required_scope)()]

    def managed_event(self, pk, check=permissions.token_can_manage_event) -> Event:
        event = get_object_or_404(Event.objects.select_related("city"), pk=pk)
        if not check(self.request.auth, event):
            if event.status == Event.Status.DRAFT:
                raise Http404
            raise PermissionDenied(_("This token does not give access to this event."))
        return event


class RegistrationCursorPagination(_Cursor):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("created_at", "id")


class EventRegistrations(TokenView, generics.ListAPIView):
    """Registrations of one event with the answers to its questions; POST registers a person."""

    serializer_class = serializers.RegistrationSerializer
    pagination_class = RegistrationCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = RegistrationFilterSet

    def get_permissions(self):
        scope = Scope.REGISTRATIONS_WRITE if self.request.method == "POST" else Scope.REGISTRATIONS_READ
        return [permissions.HasScope.of(scope)()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.none()
        return registrations_for_admin(event=self.managed_event(self.kwargs["pk"]))

    @extend_schema(
        request=serializers.RegistrationCreateSerializer,
        responses={201: serializers.RegistrationSerializer, 400: serializers.ErrorSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def post(self, request, pk):
        """Register a person by email (an account is created and invited if needed), as an organizer would."""
        event = self.managed_event(pk)
        data = serializers.RegistrationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def run():
            try:
                registration = registration_add_by_email(
                    event=event, email=data.validated_data["email"], actor=request.user,
                    full_name=data.validated_data["full_name"],
                )
            except RegistrationError as exc:
                return _service_error(exc)
            row = registrations_for_admin(event=event).get(pk=registration.pk)
            return Response(serializers.RegistrationSerializer(row).data, status=status.HTTP_201_CREATED)

        return idempotent(request, run)


class EventRegistrationsExport(TokenView, APIView):
    required_scope = Scope.REGISTRATIONS_READ

    @extend_schema(
        parameters=[OpenApiParameter("file_format", OpenApiTypes.STR, enum=["csv", "xlsx"])],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, (200, XLSX_MIMETYPE): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        """The organizer's spreadsheet: one row per registration, one column per question."""
        event = self.managed_event(pk)
        file_format = request.query_params.get("file_format", "csv")
        if file_format not in ("csv", "xlsx"):
            raise ValidationError({"file_format": [_("Choose csv or xlsx.")]})
        questions = list(Question.objects.filter(event=event))
        header, rows = registration_table(
            event=event, registrations=registrations_for_admin(event=event), questions=questions
        )
        if file_format == "xlsx":
            content, mimetype = table_to_xlsx(header, rows, title=event.title), XLSX_MIMETYPE
        else:
            content, mimetype = table_to_csv(header, rows), CSV_MIMETYPE
        response = HttpResponse(content, content_type=mimetype)
        response["Content-Disposition"] = f'attachment; filename="registrations-{event.pk}.{file_format}"'
        response["Cache-Control"] = "private, no-store"
        return response


class _RegistrationView(TokenView, APIView):
    def registration(self, pk) -> Registration:
        registration = get_object_or_404(Registration.objects.select_related("event__city"), pk=pk)
        if not permissions.token_can_manage_event(self.request.auth, registration.event):
            raise Http404
        return registration


class RegistrationDetail(_RegistrationView):
    required_scope = Scope.REGISTRATIONS_READ

    @extend_schema(responses=serializers.RegistrationSerializer)
    def get(self, request, pk):
        registration = self.registration(pk)
        row = registrations_for_admin(event=registration.event).get(pk=pk)
        return Response(serializers.RegistrationSerializer(row).data)


class RegistrationCancel(_RegistrationView):
    required_scope = Scope.REGISTRATIONS_WRITE

    @extend_schema(
        request=serializers.ReasonSerializer,
        responses={200: serializers.RegistrationSerializer, 400: serializers.ErrorSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def post(self, request, pk):
        """Cancel as an organizer would: a freed seat goes to the waiting list, emails go out."""
        registration = self.registration(pk)
        data = serializers.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def run():
            try:
                registration_cancel(registration=registration, actor=request.user, reason=data.validated_data["reason"])
            except RegistrationError as exc:
                return _service_error(exc)
            row = registrations_for_admin(event=registration.event).get(pk=pk)
            return Response(serializers.RegistrationSerializer(row).data)

        return idempotent(request, run)


class SessionAttendance(TokenView, APIView):
    def get_permissions(self):
        scope = Scope.ATTENDANCE_WRITE if self.request.method == "POST" else Scope.ATTENDANCE_READ
        return [permissions.HasScope.of(scope)()]

    def session(self, pk) -> Session:
        session = get_object_or_404(Session.objects.select_related("event__city"), pk=pk)
        self.managed_event(session.event_id, check=permissions.token_can_take_attendance)
        return session

    @extend_schema(responses=serializers.AttendanceSerializer(many=True))
    def get(self, request, pk):
        session = self.session(pk)
        rows = Attendance.objects.filter(session=session).order_by("registration_id")
        return Response(serializers.AttendanceSerializer(rows, many=True).data)

    @extend_schema(
        request=serializers.AttendanceWriteSerializer,
        responses={200: serializers.AttendanceSerializer, 400: serializers.ErrorSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def post(self, request, pk):
        """Mark one confirmed participant present or absent."""
        session = self.session(pk)
        data = serializers.AttendanceWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = Registration.objects.filter(pk=data.validated_data["registration"], event_id=session.event_id).first()
        if registration is None:
            raise ValidationError({"registration": [_("This registration is not for this session's event.")]})

        def run():
            try:
                attendance = attendance_mark(
                    session=session, registration=registration, present=data.validated_data["present"],
                    actor=request.user, method=Attendance.Method.SHEET,
                )
            except AttendanceError as exc:
                return _service_error(exc)
            return Response(serializers.AttendanceSerializer(attendance).data)

        return idempotent(request, run)


class CertificatePagination(_Cursor):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("issued_at", "id")


class EventCertificates(TokenView, generics.ListAPIView):
    required_scope = Scope.CERTIFICATES_READ
    serializer_class = serializers.CertificateSerializer
    pagination_class = CertificatePagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Certificate.objects.none()
        event = self.managed_event(self.kwargs["pk"], check=permissions.token_can_see_certificates)
        return Certificate.objects.filter(event=event).order_by("issued_at", "id")


class CertificateRevoke(TokenView, APIView):
    required_scope = Scope.CERTIFICATES_WRITE

    @extend_schema(
        request=serializers.RequiredReasonSerializer,
        responses={200: serializers.CertificateSerializer, 400: serializers.ErrorSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def post(self, request, pk):
        certificate = get_object_or_404(Certificate.objects.select_related("event__city"), pk=pk)
        if not permissions.token_can_change_certificate(request.auth, certificate):
            raise Http404
        data = serializers.RequiredReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def run():
            try:
                revoked = certificate_revoke(certificate=certificate, actor=request.user, reason=data.validated_data["reason"])
            except CertificateError as exc:
                return _service_error(exc)
            return Response(serializers.CertificateSerializer(revoked).data)

        return idempotent(request, run)


class EventStatus(TokenView, APIView):
    required_scope = Scope.EVENTS_WRITE
    action = ""

    @extend_schema(
        request=serializers.ReasonSerializer,
        responses={200: serializers.EventSerializer, 400: serializers.ErrorSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def post(self, request, pk):
        event = self.managed_event(pk)
        data = serializers.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def run():
            try:
                if self.action == "publish":
                    event_publish(event=event)
                else:
                    event_cancel(event=event, actor=request.user, reason=data.validated_data["reason"])
            except EventError as exc:
                return _service_error(exc)
            fresh = _with_sessions(Event.objects.for_listing()).get(pk=pk)
            context = {"language": self.language, "now": timezone.now(), "request": request}
            return Response(serializers.EventSerializer(fresh, context=context).data)

        return idempotent(request, run)


class EventPublish(EventStatus):
    action = "publish"


class EventCancel(EventStatus):
    action = "cancel"


class Aggregates(TokenView, APIView):
    """The evidence dashboard's figures per city, for all of them and per month, and its reach tables.

    The same computation, filters and suppression as the dashboard (`/evidence/`): per city, never
    per event; demographic reach only with the dashboard's small-number suppression (`null`).
    """

    required_scope = Scope.EVALUATION_READ

    @extend_schema(parameters=[serializers.AggregateFilterSerializer], responses=serializers.AggregatesSerializer)
    def get(self, request):
        from api.aggregates import aggregates_for
        from evidence.aggregates import Filters
        from surveys.permissions import dashboard_city_ids

        token = request.auth
        params = serializers.AggregateFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        allowed = dashboard_city_ids(token.owner)  # None: every city
        cities = City.objects.order_by("name")
        if allowed is not None:
            cities = cities.filter(pk__in=allowed)
        if token.city_id:
            cities = cities.filter(pk=token.city_id)
        slugs = dict(cities.values_list("pk", "slug"))
        slug = params.validated_data.get("city")
        if slug:
            slugs = {pk: s for pk, s in slugs.items() if s == slug}
            if not slugs:
                raise PermissionDenied(_("This token does not give access to this city."))
        every_city = allowed is None and not token.city_id and not slug
        filters = Filters(
            city_ids=None if every_city else frozenset(slugs), area=params.validated_data.get("area", ""),
            kind=params.validated_data.get("kind", ""), start=params.validated_data.get("start"),
            end=params.validated_data.get("end"),
        )
        return Response(aggregates_for(filters=filters, slugs=slugs))
