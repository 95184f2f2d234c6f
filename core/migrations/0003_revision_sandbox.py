"""The sandbox kind becomes a field of the revision instead of a ``process:`` name prefix."""

from django.db import migrations, models

PREFIX = "process:"


def split_prefix(apps, schema_editor):
    Revision = apps.get_model("core", "Revision")
    for revision in Revision.objects.filter(image_name__startswith=PREFIX):
        revision.sandbox = "process"
        revision.image_name = revision.image_name.removeprefix(PREFIX)
        revision.save(update_fields=["sandbox", "image_name"])


def join_prefix(apps, schema_editor):
    Revision = apps.get_model("core", "Revision")
    for revision in Revision.objects.filter(sandbox="process"):
        revision.image_name = PREFIX + revision.image_name
        revision.save(update_fields=["image_name"])


class Migration(migrations.Migration):
    dependencies = [("core", "0002_revision_attempts_and_digest")]

    operations = [
        migrations.AddField(
            model_name="revision",
            name="sandbox",
            field=models.CharField(
                choices=[("docker", "Docker container"), ("process", "local process")],
                default="docker",
                max_length=10,
            ),
        ),
        migrations.RunPython(split_prefix, join_prefix),
    ]
