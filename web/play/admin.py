from django.contrib import admin

from core.models import HumanMatch


@admin.register(HumanMatch)
class HumanMatchAdmin(admin.ModelAdmin):
    list_display = ("pk", "user", "revision", "human_first", "state", "result", "created")
    list_filter = ("state", "result", "revision__competitor__environment")
    raw_id_fields = ("revision", "user")
