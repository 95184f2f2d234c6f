from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_challenge"),
    ]

    operations = [
        migrations.AddField(
            model_name="humanmatch",
            name="client",
            field=models.CharField(
                choices=[("browser", "browser"), ("remote", "remote client")],
                default="browser",
                help_text="who played the human's side: the match page or a remote client (the API)",
                max_length=10,
            ),
        ),
    ]
