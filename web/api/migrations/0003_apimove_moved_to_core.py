"""ApiMove and ApiToken are core's now (core 0004): they leave this app's state; their tables
stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_apimove"),
        ("core", "0004_humanmatch_apimove"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ApiMove"),
                migrations.DeleteModel(name="ApiToken"),
            ]
        ),
    ]
