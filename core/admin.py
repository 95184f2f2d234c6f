from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from core.models import (
    Competitor,
    Duel,
    Environment,
    Revision,
    Tournament,
    TournamentDuel,
    TournamentParticipant,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("email", "username", "team", "github_username", "is_staff")
    search_fields = ("email", "username", "team")
    ordering = ("email",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Arena", {"fields": ("github_username", "team")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "username", "password1", "password2")}),
    )


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "rules_version", "num_matches", "active")


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ("version", "image_state", "test_state", "publish_state", "created")
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    list_display = ("name", "environment", "owner", "is_public", "created")
    list_filter = ("environment", "is_public")
    search_fields = ("name", "owner__email", "owner__username")
    list_select_related = ("environment", "owner")
    inlines = [RevisionInline]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Revisions, read-only where the workers write: what runs a participant's code (the image,
    by name and digest, and its sandbox: an edited "process" would run it without isolation),
    and the build, validation and claim records, which are the arena's word on what happened."""

    list_display = ("__str__", "image_state", "test_state", "publish_state", "created", "worker")
    list_filter = ("image_state", "test_state", "publish_state", "competitor__environment")
    search_fields = ("competitor__name",)
    list_select_related = ("competitor",)
    readonly_fields = (
        "competitor",
        "version",
        "zip_file",
        "image_state",
        "image_name",
        "sandbox",
        "image_digest",
        "image_attempts",
        "image_log",
        "image_error",
        "test_state",
        "test_error",
        "test_log_1",
        "test_log_2",
        "test_duel",
        "test_attempts",
        "worker",
        "claim",
        "heartbeat",
    )


class ParticipantInline(admin.TabularInline):
    model = TournamentParticipant
    fields = ("rank", "revision", "points", "wins", "losses", "draws", "total_score", "rating")
    readonly_fields = fields
    extra = 0


@admin.register(Tournament)
class TournamentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "state", "duels_done", "duels_total", "duels_reused", "created")
    list_filter = ("environment", "state")
    inlines = [ParticipantInline]


@admin.register(TournamentParticipant)
class TournamentParticipantAdmin(admin.ModelAdmin):
    list_display = (
        "tournament",
        "revision",
        "rank",
        "points",
        "wins",
        "losses",
        "draws",
        "total_score",
    )
    list_select_related = ("tournament__environment", "revision__competitor")


@admin.register(Duel)
class DuelAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "revision_1",
        "revision_2",
        "state",
        "result",
        "matches_done",
        "num_matches",
        "worker",
    )
    list_filter = ("state", "result", "environment")
    list_select_related = ("revision_1__competitor", "revision_2__competitor")
    # A duel's players, result and files are the record of what was played: never edited.
    readonly_fields = (
        "environment",
        "revision_1",
        "revision_2",
        "rules_version",
        "num_matches",
        "result",
        "error_msg",
        *Duel.COUNTERS,
        "record_file",
        "log_1",
        "log_2",
        "worker",
        "claim",
        "heartbeat",
    )


@admin.register(TournamentDuel)
class TournamentDuelAdmin(admin.ModelAdmin):
    list_display = ("tournament", "duel", "round", "reused")
