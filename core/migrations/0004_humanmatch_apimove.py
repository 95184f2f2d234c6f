"""HumanMatch (from web.play), ApiMove and ApiToken (from web.api) become core's: the workers
that play them may not import the website, and core's models refer to no app above it. Their tables stay where they are (db_table), so this creates
them in the migration state only, after the migrations that created the tables; the website's
apps drop them from their state in turn. The human match gains a claim (core.work), and its
``updated`` column becomes the claim's heartbeat."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

HUMAN_MATCH = migrations.CreateModel(
    name="HumanMatch",
    fields=[
        (
            "id",
            models.BigAutoField(
                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
            ),
        ),
        ("human_first", models.BooleanField(help_text="the human made the first move")),
        ("rules_version", models.PositiveIntegerField(default=1)),
        (
            "state",
            models.CharField(
                choices=[
                    ("WAITING", "waiting"),
                    ("RUNNING", "running"),
                    ("FINISHED", "finished"),
                    ("ABANDONED", "abandoned"),
                ],
                default="WAITING",
                max_length=20,
            ),
        ),
        (
            "result",
            models.CharField(
                blank=True,
                choices=[
                    ("HUMAN_WIN", "human won"),
                    ("AGENT_WIN", "agent won"),
                    ("DRAW", "draw"),
                    ("AGENT_ERROR", "agent error"),
                    ("ARENA_ERROR", "arena error"),
                ],
                max_length=20,
            ),
        ),
        ("error_msg", models.TextField(blank=True)),
        ("states", models.JSONField(default=list)),
        ("actions", models.JSONField(default=list)),
        ("rewards", models.JSONField(default=list)),
        ("human_score", models.FloatField(default=0)),
        ("created", models.DateTimeField(default=django.utils.timezone.now)),
        ("started", models.DateTimeField(blank=True, null=True)),
        ("finished", models.DateTimeField(blank=True, null=True)),
        ("worker", models.CharField(blank=True, max_length=200)),
        (
            "heartbeat",
            models.DateTimeField(db_column="updated", default=django.utils.timezone.now),
        ),
        (
            "revision",
            models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="human_matches",
                to="core.revision",
            ),
        ),
        (
            "user",
            models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="human_matches",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ],
    options={
        "verbose_name_plural": "human matches",
        "db_table": "play_humanmatch",
        "ordering": ["-created"],
        "indexes": [models.Index(fields=["state"], name="play_humanmatch_state_idx")],
    },
)

API_TOKEN = migrations.CreateModel(
    name="ApiToken",
    fields=[
        (
            "id",
            models.BigAutoField(
                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
            ),
        ),
        ("key_hash", models.CharField(max_length=64, unique=True)),
        (
            "prefix",
            models.CharField(help_text="its first characters, to recognise it", max_length=16),
        ),
        ("created", models.DateTimeField(default=django.utils.timezone.now)),
        ("last_used", models.DateTimeField(blank=True, null=True)),
        ("move_window_start", models.DateTimeField(blank=True, null=True)),
        ("move_count", models.PositiveIntegerField(default=0)),
        (
            "user",
            models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="api_token",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ],
    options={"verbose_name": "API token", "db_table": "api_apitoken"},
)

API_MOVE = migrations.CreateModel(
    name="ApiMove",
    fields=[
        (
            "id",
            models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False),
        ),
        ("created", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
        (
            "started",
            models.DateTimeField(blank=True, help_text="a worker took it", null=True),
        ),
        ("outcome", models.JSONField(blank=True, null=True)),
        (
            "revision",
            models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="core.revision",
            ),
        ),
        (
            "token",
            models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="moves",
                to="core.apitoken",
            ),
        ),
    ],
    options={
        "verbose_name": "API move",
        "db_table": "api_apimove",
    },
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_revision_sandbox"),
        # The migrations that created the tables, which stay.
        ("play", "0001_initial"),
        ("api", "0002_apimove"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[HUMAN_MATCH, API_TOKEN, API_MOVE]),
        migrations.AddField(
            model_name="humanmatch",
            name="claim",
            field=models.UUIDField(blank=True, null=True),
        ),
    ]
