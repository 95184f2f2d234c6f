"""HumanMatch is core's now (core 0004): it leaves this app's state; its table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("play", "0001_initial"),
        ("core", "0004_humanmatch_apimove"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="HumanMatch")]
        ),
    ]
