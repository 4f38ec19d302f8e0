"""OutgoingEmail, taken over from ``events`` with its table (``events_outgoingemail``) as it is."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _move_content_type(apps, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label=new, model="outgoingemail").exists():
        content_type.objects.filter(app_label=old, model="outgoingemail").update(app_label=new)


def _content_type_follows(apps, schema_editor):
    _move_content_type(apps, "events", "outbox")


def _content_type_returns(apps, schema_editor):
    _move_content_type(apps, "outbox", "events")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('events', '0011_outgoingemail_moves_to_outbox'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='OutgoingEmail',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('to_email', models.EmailField(max_length=254, verbose_name='recipient')),
                        ('template', models.CharField(max_length=100, verbose_name='template')),
                        ('language', models.CharField(max_length=10, verbose_name='language')),
                        ('subject', models.CharField(max_length=300, verbose_name='subject')),
                        ('body_text', models.TextField(verbose_name='text')),
                        ('body_html', models.TextField(blank=True, verbose_name='HTML')),
                        ('is_secret', models.BooleanField(default=False, verbose_name='carries a secret')),
                        ('secret_text', models.TextField(blank=True, verbose_name='secret text')),
                        ('secret_html', models.TextField(blank=True, verbose_name='secret HTML')),
                        ('calendar_method', models.CharField(blank=True, max_length=10, verbose_name='calendar method')),
                        ('calendar_body', models.TextField(blank=True, verbose_name='calendar invitation')),
                        ('attachment_name', models.CharField(blank=True, max_length=200, verbose_name='attachment name')),
                        ('attachment_path', models.CharField(blank=True, max_length=300, verbose_name='attachment path')),
                        ('attachment_mimetype', models.CharField(blank=True, max_length=100, verbose_name='attachment type')),
                        ('dedupe_key', models.CharField(blank=True, max_length=200, null=True, unique=True, verbose_name='deduplication key')),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('sent', 'Sent'), ('failed', 'Failed')], default='queued', max_length=10, verbose_name='status')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                        ('event', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='outgoing_emails', to='events.event', verbose_name='event')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='outgoing_emails', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
                    ],
                    options={
                        'verbose_name': 'outgoing email',
                        'verbose_name_plural': 'outgoing emails',
                        'db_table': 'events_outgoingemail',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['status', 'created_at'], name='outgoingemail_status_idx')],
                    },
                ),
            ],
        ),
        # Admin history and permissions follow the model: its content type changes app, not id.
        migrations.RunPython(_content_type_follows, _content_type_returns, elidable=True),
    ]
