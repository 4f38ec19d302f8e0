"""drf-spectacular: the bearer token in the OpenAPI schema, and the refusals of every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token created on the site (Account → API tokens), e.g. `Authorization: Bearer epi_…`.",
        }


# How every call can refuse, as raw JSON Schema: DRF's own error bodies.
DETAIL = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in the request's language."},
        "code": {"type": "string", "description": "A stable code, when there is one."},
    },
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Invalid input: messages per field (`non_field_errors` for the whole), in the request's language.",
    "minProperties": 1,
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the refusals each operation can answer (401, 403, 404, 400 with
    field errors, 422, 429) and the 304 of conditional reads, so clients can rely on their shapes
    and tests/api/test_schema.py can check real answers against them."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        from api.views import LanguageMixin, PublicMixin, TokenView

        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None or not isinstance(self.view, LanguageMixin):
            return operation
        responses = operation.setdefault("responses", {})

        def refusal(code: str, description: str, schema: dict = DETAIL) -> None:
            responses.setdefault(code, {"content": {"application/json": {"schema": schema}}, "description": description})

        parameters = operation.get("parameters", [])
        # Language and paging fall back to defaults; the other query parameters are checked.
        checked = [p for p in parameters if p.get("in") == "query" and p["name"] not in ("lang", "cursor", "page_size")]
        if method == "POST" or checked:
            declared = responses.get("400", {}).get("content", {}).get("application/json", {}).get("schema")
            schema = {"oneOf": [declared, FIELD_ERRORS]} if declared else FIELD_ERRORS
            responses["400"] = {"content": {"application/json": {"schema": schema}}, "description": "Invalid input."}
        refusal("401", "No token, or an expired, revoked or unknown one." if isinstance(self.view, TokenView)
                else "A token was sent that is expired, revoked or unknown.")
        if isinstance(self.view, TokenView):
            refusal("403", "The token lacks the scope, or its owner the right, for this call.")
        if "{" in path:
            refusal("404", "Not found, or not visible to this caller.")
        if any(p.get("name") == "Idempotency-Key" for p in parameters):
            refusal("422", "The Idempotency-Key was used for another request.")
        refusal("429", "Over the rate limit; `Retry-After` says when to come back.")
        if method == "GET" and isinstance(self.view, PublicMixin):
            responses.setdefault("304", {"description": "Not modified: the `ETag` sent in `If-None-Match` still holds."})
        return operation
