"""Human matches in the organisers' admin: which game, who played, read-only moves and claim."""

from django.contrib import admin

from core.admin import CLAIM_FIELDS, game_column
from core.models import HumanMatch


@admin.register(HumanMatch)
class HumanMatchAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        game_column("revision__competitor__environment"),
        "user",
        "revision",
        "human_first",
        "state",
        "result",
        "created",
    )
    list_filter = ("revision__competitor__environment", "state", "result", "human_first")
    search_fields = ("=id", "user__email", "user__username", "revision__competitor__name")
    list_select_related = ("user", "revision__competitor__environment")
    raw_id_fields = ("revision", "user")
    # The match as played, and the worker's claim on it: the record, never edited by hand.
    readonly_fields = (
        "rules_version",
        "state",
        "result",
        "error_msg",
        "states",
        "actions",
        "rewards",
        "human_score",
        "started",
        "finished",
        *CLAIM_FIELDS,
    )
