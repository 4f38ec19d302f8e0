from django.db import migrations


class Migration(migrations.Migration):
    """OutgoingEmail now belongs to the ``outbox`` app; its table stays where it is.

    Only Django's picture of the models changes here (``outbox.0001_initial`` takes the model
    over with ``db_table = "events_outgoingemail"``): no row, index or constraint is touched.
    """

    dependencies = [
        ("events", "0010_listing_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutgoingEmail")],
            database_operations=[],
        ),
    ]
