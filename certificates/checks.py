"""System checks: a production site should sign its certificates, and its seals must be usable."""

from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def credential_key_check(app_configs, **kwargs):
    from certificates import keys

    if keys.has_active_key():
        return []
    return [
        Warning(
            "No active credential signing key: certificates are issued without an Open Badges credential.",
            hint="Set CREDENTIAL_KEYS_DIR (outside MEDIA_ROOT) and run `manage.py credential_keys generate`.",
            id="certificates.W001",
        )
    ]


@register(Tags.security)
def seal_check(app_configs, **kwargs):
    from certificates import seal

    return [Error(problem, id="certificates.E001") for problem in seal.check_seals()]
