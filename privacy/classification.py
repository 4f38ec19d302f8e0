"""Every model field of the project, classified, so privacy cannot silently rot.

- ``PERSONAL``: says something about an identifiable person (name, email, what they did).
- ``SENSITIVE``: personal data needing more care (demographics, secrets, answers that may
  reveal health or beliefs, session contents).
- ``OPERATIONAL``: about the organisation of events, not about a person.
- ``DERIVED``: computed from other fields (counts, dates kept in step), classified like
  their source for retention but never a source of personal data themselves.

``tests/privacy/test_classification.py`` walks ``apps.get_models()`` and fails for any
field missing here, so a new model or field must be classified before it ships.
``OWNERS`` says, for models holding a participant's own data, how a row leads to its
person: the export (``privacy.export``) includes those rows, with their personal and
sensitive fields (plus the operational fields that give them meaning).
"""

PERSONAL = "personal"
SENSITIVE = "sensitive"
OPERATIONAL = "operational"
DERIVED = "derived"

KINDS = (PERSONAL, SENSITIVE, OPERATIONAL, DERIVED)
P, S, OP, D = KINDS


def _fields(kind: str, names: str) -> dict[str, str]:
    return {name: kind for name in names.split()}


FIELDS: dict[str, dict[str, str]] = {
    "admin.LogEntry": {
        **_fields(OP, "id content_type object_id action_flag"),
        **_fields(P, "action_time user object_repr change_message"),
    },
    "auth.Permission": _fields(OP, "id name content_type codename"),
    "auth.Group": _fields(OP, "id name permissions"),
    "contenttypes.ContentType": _fields(OP, "id app_label model"),
    "sessions.Session": {**_fields(S, "session_key session_data"), **_fields(OP, "expire_date")},
    "sites.Site": _fields(OP, "id domain name"),
    "account.EmailAddress": {**_fields(OP, "id"), **_fields(P, "user email verified primary")},
    "account.EmailConfirmation": {**_fields(OP, "id"), **_fields(P, "email_address created sent"), **_fields(S, "key")},
    "mfa.Authenticator": {**_fields(OP, "id type"), **_fields(P, "user created_at last_used_at"), **_fields(S, "data")},
    "accounts.User": {
        **_fields(OP, "id is_superuser is_staff groups user_permissions"),
        **_fields(P, "last_login is_active date_joined email full_name preferred_language "
                     "works_for_city"),
        **_fields(S, "password calendar_token"),
    },
    "events.City": {
        **_fields(OP, "id name slug country timezone default_language narrative logo signature_image "
                     "signatory_title certificate_closing_text funding_line organizers"),
        **_fields(D, "narrative_html"),
        # The signatory acts in an official role; still a person's name.
        **_fields(P, "signatory_name"),
    },
    "events.CityMembership": {**_fields(OP, "id city role"), **_fields(P, "user created_at")},
    "events.Event": {
        **_fields(OP, "id city kind area title summary description language venue_name venue_address latitude "
                     "longitude online_url online_note status capacity requires_approval registration_opens_at "
                     "registration_closes_at eligibility_percent sequence cancelled_at created_at updated_at "
                     "translations learning_outcomes learning_outcomes_translations"),
        **_fields(D, "starts_at ends_at description_html description_html_translations search_text"),
        **_fields(P, "created_by trainers"),
    },
    "events.Session": {
        **_fields(OP, "id event title translations starts_at ends_at room sequence checkin_code created_at updated_at"),
    },
    "events.Registration": {
        **_fields(OP, "id event status source waiting_rank"),
        **_fields(P, "user consent_text_version consent_given_at decision_message decided_by decided_at "
                     "cancelled_at cancelled_by cancel_reason reminder_sent_at created_at updated_at"),
        **_fields(S, "checkin_code"),
        **_fields(D, "anonymised_at"),
    },
    "events.Question": _fields(OP, "id event label label_translations help_text kind required sensitive choices position"),
    "events.Answer": {**_fields(OP, "id registration question"), **_fields(S, "value")},
    "events.Attendance": {**_fields(OP, "id session registration"), **_fields(P, "present method marked_by marked_at")},
    "outbox.OutgoingEmail": {
        **_fields(OP, "id event template language is_secret calendar_method attachment_mimetype dedupe_key status "
                     "attempts last_error"),
        **_fields(P, "user to_email subject body_text body_html calendar_body attachment_name attachment_path "
                     "created_at sent_at"),
        **_fields(S, "secret_text secret_html"),
    },
    "certificates.Certificate": {
        **_fields(OP, "id number status event batch event_title event_kind city_name first_date last_date "
                     "signatory_name signatory_title closing_text funding_line issued_by"),
        **_fields(P, "code registration holder pdf language holder_name hours sessions_attended sessions_total "
                     "issued_at replaces superseded_at revoked_at revoked_by revoked_reason"),
        **_fields(D, "trainer_names"),
        # The signed credential names its holder only by a salted hash; its id and list index are random.
        **_fields(P, "credential_jwt"),
        **_fields(OP, "credential_id status_index"),
    },
    "certificates.CertificateBatch": {
        **_fields(OP, "id event created_by status total done issued parts parts_done error created_at updated_at "
                     "finished_at"),
        **_fields(P, "unprintable_names"),
    },
    "certificates.CertificateSequence": _fields(OP, "id prefix year last_value"),
    "privacy.Consent": {**_fields(OP, "id"), **_fields(P, "user purpose city text_version given_at how withdrawn_at")},
    "privacy.ConsentText": _fields(OP, "id city kind version text text_translations updated_at"),
    "privacy.DemographicProfile": {
        **_fields(OP, "id"),
        **_fields(P, "user answered_on"),
        **_fields(S, "moved_to_country years_in_country age_band gender gender_self_description"),
    },
    "privacy.RetentionPolicy": _fields(
        OP, "id city registration_months sensitive_answer_months email_body_days survey_token_days updated_at"
    ),
    "privacy.AuditHold": {**_fields(OP, "id event until reason created_at"), **_fields(P, "set_by")},
    "privacy.DeletionRequest": {
        **_fields(OP, "id status"),
        **_fields(P, "user certificates requested_at due_at finished_at"),
        **_fields(S, "undo_token_hash"),
    },
    "privacy.DataExport": {
        **_fields(OP, "id status size"),
        **_fields(P, "user requested_at ready_at expires_at downloaded_at file_path"),
        **_fields(S, "token_hash"),
    },
    "surveys.Survey": _fields(OP, "id event status open_days first_reminder_days second_reminder_days named opens_at "
                                  "closes_at"),
    "surveys.SurveyQuestion": _fields(OP, "id survey key core kind label label_translations options rows allow_other "
                                          "allow_dont_know required position"),
    # Who was invited and whether they answered; never what, never when.
    "surveys.SurveyInvitation": {**_fields(OP, "id survey kind"), **_fields(P, "user answered reminders_sent invited_on"),
                                 **_fields(S, "token")},
    # Anonymous unless the survey is named (then `respondent` is set).
    "surveys.SurveyResponse": {**_fields(OP, "id survey submitted_on language"), **_fields(P, "respondent")},
    "surveys.SurveyAnswer": {**_fields(OP, "id response question row option number"), **_fields(S, "text")},
    "privacy.PurgeRun": _fields(OP, "id started_at finished_at counts error"),
    # API tokens and webhooks belong to organizers acting for their city.
    "api.ApiToken": {
        **_fields(OP, "id name prefix scopes city expires_at revoked_at created_at"),
        **_fields(P, "owner last_used_at"),
        **_fields(S, "token_hash"),
    },
    "api.IdempotencyKey": {
        **_fields(OP, "id token key request_hash status_code created_at"),
        # The stored answer of a registration call may name the person registered.
        **_fields(P, "body"),
    },
    "api.Webhook": {
        **_fields(OP, "id city url event_types consecutive_failures disabled_at disabled_reason created_at"),
        **_fields(P, "owner"),
        **_fields(S, "secret"),
    },
    # Thin payloads: type, time and ids only (tested in tests/api/test_webhooks.py).
    "api.WebhookDelivery": _fields(
        OP, "id webhook message_id event_type payload status attempts next_attempt_at claimed_until "
            "last_status_code last_error created_at delivered_at"
    ),
}

# model label → lookup from the row to its person, for the participant's own export.
# Rows where the person acts on others (decided_by, marked_by, issued_by) are not theirs.
OWNERS: dict[str, str] = {
    "accounts.User": "pk",
    "account.EmailAddress": "user",
    "events.Registration": "user",
    "events.Answer": "registration__user",
    "events.Attendance": "registration__user",
    "outbox.OutgoingEmail": "user",
    "certificates.Certificate": "holder",
    "privacy.Consent": "user",
    "privacy.DemographicProfile": "user",
    "surveys.SurveyInvitation": "user",
    "privacy.DataExport": "user",
    "privacy.DeletionRequest": "user",
}

# Fields never written into an export, even the owner's: secrets of the account itself.
NEVER_EXPORTED = {
    ("accounts.User", "password"),
    ("outbox.OutgoingEmail", "secret_text"),
    ("outbox.OutgoingEmail", "secret_html"),
    ("privacy.DataExport", "token_hash"),
    ("privacy.DeletionRequest", "undo_token_hash"),
    ("outbox.OutgoingEmail", "attachment_path"),
    ("privacy.DataExport", "file_path"),
    ("surveys.SurveyInvitation", "token"),
}


def model_fields(model) -> list[str]:
    """The fields the registry must classify: local concrete fields and many-to-many fields."""
    return [f.name for f in model._meta.local_fields] + [f.name for f in model._meta.local_many_to_many]


def exported_fields(label: str) -> list[str]:
    """The fields of an owned model written into its owner's export: all but the secrets of the account."""
    return [name for name in FIELDS[label] if (label, name) not in NEVER_EXPORTED]
