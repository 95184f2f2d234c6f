"""The organisers' admin: every list says which game, filters and searches by it, and keeps
read-only what the workers write (claims, heartbeats, attempts, digests, logs, results).

Three actions change the arena's work, each through :mod:`core.pipeline`, never by calling a
stage: re-run a duel, re-validate a revision, disable (or enable) a competitor.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from core import pipeline
from core.models import (
    ApiMove,
    ApiToken,
    Competitor,
    Duel,
    Environment,
    Revision,
    Tournament,
    TournamentDuel,
    TournamentParticipant,
    User,
)

# What a worker's claim on a row is made of: never edited by hand.
CLAIM_FIELDS = ("worker", "claim", "heartbeat")


def game_column(path: str) -> Any:
    """A list column with the game's name, sorted by it, from the row along ``path``."""

    @admin.display(description="game", ordering=f"{path}__name")
    def game(row: Any) -> str:
        environment = row
        for step in path.split("__"):
            environment = getattr(environment, step)
        return environment.name

    return game


# --- The actions: each says what it did and what it skipped, and why ----------------------


def rerun_duels(queryset: QuerySet[Duel]) -> tuple[list[Duel], list[Duel]]:
    """Send finished (or waiting) duels to be played again from scratch; running ones are
    skipped (their worker holds them). Returns (sent, skipped)."""
    sent, skipped = [], []
    with transaction.atomic():
        for duel in queryset.select_for_update().order_by("pk"):
            if duel.state == Duel.RUNNING:
                skipped.append(duel)
                continue
            duel.state = Duel.SCHEDULED
            duel.result = duel.error_msg = duel.stopped = ""
            for counter in Duel.COUNTERS:
                setattr(duel, counter, 0)
            duel.matches_done = duel.attempts = 0
            duel.started = duel.finished = None
            # The old record and logs go once the reset is committed: nothing points at them.
            for stored in (duel.record_file, duel.log_1, duel.log_2):
                if stored.name:
                    transaction.on_commit(
                        lambda storage=stored.storage, name=stored.name: storage.delete(name)
                    )
            duel.record_file = duel.log_1 = duel.log_2 = ""  # type: ignore[assignment]
            duel.claim, duel.worker, duel.heartbeat = None, "", timezone.now()
            duel.save()
            # The hooks re-rank every edition holding the duel: its old result no longer
            # counts, and the edition runs again until the duel is played.
            pipeline.duel_finished(duel)
            sent.append(duel)
        pipeline.send_duels(sent)
    return sent, skipped


def revalidate_revisions(queryset: QuerySet[Revision]) -> tuple[list[Revision], list[Revision]]:
    """Send built revisions to be validated again, from a clean test record; those without an
    image (not built, or failed to build) and those being validated are skipped."""
    sent, skipped = [], []
    with transaction.atomic():
        for revision in queryset.select_for_update().order_by("pk"):
            if (
                revision.image_state != Revision.IMAGE_COMPLETED
                or revision.test_state == Revision.TEST_RUNNING
            ):
                skipped.append(revision)
                continue
            revision.test_state = Revision.TEST_SCHEDULED
            revision.test_error = revision.test_log_1 = revision.test_log_2 = ""
            revision.test_duel = None
            revision.test_attempts = 0
            revision.claim, revision.worker, revision.heartbeat = None, "", timezone.now()
            revision.save()
            pipeline.advance(revision)
            sent.append(revision)
    return sent, skipped


def _names(rows: list[Any]) -> str:
    return ", ".join(str(row) for row in rows[:10]) + ("…" if len(rows) > 10 else "")


@admin.action(description="Re-run the selected duels (their editions are re-ranked)")
def rerun_duels_action(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Duel]
) -> None:
    sent, skipped = rerun_duels(queryset)
    if sent:
        modeladmin.message_user(
            request, f"{len(sent)} duel(s) sent to be played again: {_names(sent)}."
        )
    if skipped:
        modeladmin.message_user(
            request,
            f"Skipped {len(skipped)} running duel(s): {_names(skipped)}. Wait for them to end, "
            "or for the sweep to take them back, then re-run them.",
            messages.WARNING,
        )


@admin.action(description="Re-validate the selected revisions")
def revalidate_action(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Revision]
) -> None:
    sent, skipped = revalidate_revisions(queryset)
    if sent:
        modeladmin.message_user(
            request,
            f"{len(sent)} revision(s) sent to validation: {_names(sent)}. Until it passes, "
            "a revision is not valid: the next edition takes its competitor's previous valid one.",
        )
    if skipped:
        modeladmin.message_user(
            request,
            f"Skipped {len(skipped)} revision(s) with no image or being validated: "
            f"{_names(skipped)}. A revision whose build failed needs a new upload.",
            messages.WARNING,
        )


@admin.action(description="Disable: leave the selected competitors out of new editions")
def disable_competitors(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Competitor]
) -> None:
    count = queryset.filter(active=True).update(active=False)
    modeladmin.message_user(
        request,
        f"{count} competitor(s) disabled. The scheduler's next run starts an edition without "
        "them; the editions they played stay as they are.",
    )


@admin.action(description="Enable: let the selected competitors enter new editions again")
def enable_competitors(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Competitor]
) -> None:
    count = queryset.filter(active=False).update(active=True)
    modeladmin.message_user(
        request, f"{count} competitor(s) enabled: the scheduler's next run takes them in."
    )


# --- The lists ------------------------------------------------------------------------------


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("email", "username", "team", "github_username", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "username", "team", "github_username")
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
    list_display = (
        "name", "slug", "rules_version", "num_matches", "early_stop", "move_timeout", "active"
    )  # fmt: skip
    list_filter = ("active",)
    search_fields = ("slug", "name")
    # Loaded from the game's info.yml (load_games): a rules version edited here would lie.
    readonly_fields = ("slug", "rules_version", "state_dtype")


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ("version", "image_state", "test_state", "publish_state", "created")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    list_display = ("name", game_column("environment"), "owner", "is_public", "active", "created")
    list_filter = ("environment", "active", "is_public")
    search_fields = ("name", "owner__email", "owner__username")
    list_select_related = ("environment", "owner")
    readonly_fields = ("environment", "created")
    raw_id_fields = ("owner",)
    actions = [disable_competitors, enable_competitors]
    inlines = [RevisionInline]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Revisions, read-only where the workers write: what runs a participant's code (the image,
    by name and digest, and its sandbox: an edited "process" would run it without isolation),
    and the build, validation and claim records, which are the arena's word on what happened."""

    list_display = (
        "__str__",
        game_column("competitor__environment"),
        "image_state",
        "test_state",
        "publish_state",
        "created",
        "worker",
    )
    list_filter = ("competitor__environment", "image_state", "test_state", "publish_state")
    search_fields = ("competitor__name", "competitor__owner__email", "image_digest")
    list_select_related = ("competitor__environment",)
    actions = [revalidate_action]
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
        *CLAIM_FIELDS,
    )


class ParticipantInline(admin.TabularInline):
    model = TournamentParticipant
    fields = ("rank", "revision", "points", "wins", "losses", "draws", "total_score", "rating")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Tournament)
class TournamentAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        game_column("environment"),
        "state",
        "duels_done",
        "duels_total",
        "duels_reused",
        "created",
        "finished",
    )
    list_filter = ("environment", "state")
    search_fields = ("environment__slug", "environment__name", "=edition")
    list_select_related = ("environment",)
    # Counted from its duels by the ranking: an edited count would disagree with them.
    readonly_fields = (
        "environment",
        "edition",
        "duels_total",
        "duels_done",
        "duels_reused",
        "finished",
    )
    inlines = [ParticipantInline]


@admin.register(TournamentParticipant)
class TournamentParticipantAdmin(admin.ModelAdmin):
    list_display = (
        "tournament",
        game_column("tournament__environment"),
        "revision",
        "rank",
        "points",
        "wins",
        "losses",
        "draws",
        "total_score",
    )
    list_filter = ("tournament__environment",)
    search_fields = ("revision__competitor__name",)
    list_select_related = ("tournament__environment", "revision__competitor")
    # The ranking writes every standing; none is edited by hand.
    readonly_fields = (
        "tournament",
        "revision",
        "wins",
        "losses",
        "draws",
        "points",
        "total_score",
        "rank",
        "rating",
        "rating_mu",
        "rating_sigma",
    )


@admin.register(Duel)
class DuelAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        game_column("environment"),
        "revision_1",
        "revision_2",
        "kind",
        "state",
        "result",
        "matches_done",
        "num_matches",
        "stopped",
        "attempts",
        "finished",
        "worker",
    )
    list_filter = ("environment", "kind", "state", "result")
    search_fields = ("=id", "revision_1__competitor__name", "revision_2__competitor__name")
    list_select_related = ("environment", "revision_1__competitor", "revision_2__competitor")
    actions = [rerun_duels_action]
    # A duel's players, result and files are the record of what was played, its state the
    # pipeline's: never edited (re-run it with the action instead).
    readonly_fields = (
        "environment",
        "kind",
        "challenger",
        "revision_1",
        "revision_2",
        "rules_version",
        "num_matches",
        "early_stop",
        "stopped",
        "state",
        "started",
        "finished",
        "attempts",
        "matches_done",
        "result",
        "error_msg",
        *Duel.COUNTERS,
        "record_file",
        "log_1",
        "log_2",
        *CLAIM_FIELDS,
    )


@admin.register(TournamentDuel)
class TournamentDuelAdmin(admin.ModelAdmin):
    list_display = (
        "tournament",
        game_column("tournament__environment"),
        "duel",
        "round",
        "reused",
        "extra",
    )
    list_filter = ("tournament__environment", "reused", "extra")
    search_fields = ("=duel__id", "=tournament__edition")
    list_select_related = ("tournament__environment", "duel")
    readonly_fields = ("tournament", "duel", "round", "reused", "extra")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: seen, never made here (only a hash is stored); deleting one revokes it."""

    list_display = ("prefix", "user", "created", "last_used")
    search_fields = ("prefix", "user__email", "user__username")
    list_select_related = ("user",)
    readonly_fields = (
        "user",
        "key_hash",
        "prefix",
        "created",
        "last_used",
        "move_window_start",
        "move_count",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApiMove)
class ApiMoveAdmin(admin.ModelAdmin):
    list_display = ("id", game_column("revision__competitor__environment"), "revision", "created")
    list_filter = ("revision__competitor__environment",)
    search_fields = ("revision__competitor__name", "token__user__email")
    list_select_related = ("revision__competitor__environment",)
    readonly_fields = ("token", "revision", "created", "started", "outcome")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
