from django.core.management.commands import makemessages


class Command(makemessages.Command):
    # A new string must be translated by someone who read it, never guessed from a look-alike:
    # fuzzy matching once offered "Publicar" (Publish) for "Polish".
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
