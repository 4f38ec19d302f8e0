from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        # Account emails go out in the recipient's own language when we know it.
        user = context.get("user")
        lang = getattr(user, "preferred_language", None)
        if lang:
            with translation.override(lang):
                return super().send_mail(template_prefix, email, context)
        return super().send_mail(template_prefix, email, context)
