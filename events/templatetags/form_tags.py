"""The error summary every form of the site shows at its top after a failed submit
(the GOV.UK pattern): each error a link that moves the focus to its field."""

from __future__ import annotations

from django import forms, template
from django.utils.translation import pgettext

register = template.Library()


def _form_items(form: forms.BaseForm, prefix_label: str = "") -> list[dict]:
    items = []
    # An error about the form as a whole links to its first field, where the correction starts.
    visible = [field for field in form if not field.is_hidden]
    first = "#" + (visible[0].id_for_label or visible[0].auto_id) if visible else ""
    for error in form.non_field_errors():
        items.append({"href": first, "text": f"{prefix_label}{error}" if prefix_label else str(error)})
    for field in form:
        if field.is_hidden:
            for error in field.errors:
                items.append({"href": "", "text": str(error)})
            continue
        for error in field.errors:
            label = pgettext("error summary: field label and its error", "%(label)s: %(error)s") % {
                "label": f"{prefix_label}{field.label}",
                "error": error,
            }
            items.append({"href": "#" + (field.id_for_label or field.auto_id), "text": label})
    return items


def error_items(*forms_or_formsets, row_label: str = "") -> list[dict]:
    """Every error of the given forms and formsets, in page order: field errors link to the field."""
    items: list[dict] = []
    for thing in forms_or_formsets:
        if thing is None or not getattr(thing, "is_bound", False):
            continue
        if isinstance(thing, forms.BaseFormSet):
            for error in thing.non_form_errors():
                items.append({"href": "", "text": str(error)})
            for number, form in enumerate(thing.forms, start=1):
                prefix = ""
                if row_label:
                    prefix = pgettext("error summary: the row a field is in", "%(row)s %(number)d, ") % {
                        "row": row_label,
                        "number": number,
                    }
                items.extend(_form_items(form, prefix))
        else:
            items.extend(_form_items(thing))
    return items


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms_or_formsets, row_label: str = "", note: str = ""):
    return {"items": error_items(*forms_or_formsets, row_label=row_label), "note": note}
