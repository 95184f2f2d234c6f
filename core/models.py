"""The arena's data: games, people, their submissions, tournaments and duels.

Every step of the flow (docs/architecture.md) is a state change of one of these rows, made in a
transaction, so a step can be retried after a crash without running twice.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from run_duel import outcomes, stopping


class Environment(models.Model):
    """A game, mirrored from ``environments/<game>/info.yml`` (``manage.py load_games``)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="Markdown")
    rules_version = models.PositiveIntegerField(default=1)
    num_matches = models.PositiveIntegerField(help_text="duel length")
    memory = models.CharField(max_length=20)
    cpus = models.FloatField(default=1.0)
    startup_timeout = models.FloatField()
    move_timeout = models.FloatField()
    state_dtype = models.CharField(max_length=20)
    active = models.BooleanField(default=True)
    # An organiser's choice (run_duel/stopping.py); off keeps the 2019 rule: every match played.
    EARLY_STOP_CHOICES = [
        (stopping.OFF, "off: play every match"),
        (stopping.DECIDED, "decided: stop when the result can no longer change"),
        (stopping.SPRT, "sprt: also stop when a sequential test decides the better player"),
    ]
    early_stop = models.CharField(
        max_length=10,
        choices=EARLY_STOP_CHOICES,
        default=stopping.OFF,
        help_text="whether this game's tournament duels may stop before their last match",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArenaUserManager(UserManager):
    def _create_user(self, username, email, password, **extra_fields):  # type: ignore[override]
        if not email:
            raise ValueError("an email address is required")
        return super()._create_user(username, self.normalize_email(email), password, **extra_fields)


class User(AbstractUser):
    """Logs in with the email address; the username is the public name."""

    email = models.EmailField("email address", unique=True)
    github_username = models.CharField(max_length=39, blank=True)
    team = models.CharField(max_length=100, blank=True)
    # What the arena tells its owner about (web.notifications), each kind turned off apart.
    notify_revisions = models.BooleanField(
        "mail me when a revision fails or validates", default=True
    )
    notify_editions = models.BooleanField(
        "mail me a summary when an edition I take part in finishes", default=True
    )
    webhook_url = models.URLField(blank=True, max_length=500)
    # Signs each webhook body (HMAC-SHA256); shown to its owner once, when made.
    webhook_secret = models.CharField(max_length=64, blank=True)
    webhook_status = models.CharField(max_length=300, blank=True, help_text="last delivery")
    webhook_status_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    objects = ArenaUserManager()


class Competitor(models.Model):
    """A user's line of submissions for one game."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="competitors"
    )
    environment = models.ForeignKey(
        Environment, on_delete=models.PROTECT, related_name="competitors"
    )
    name = models.SlugField(max_length=60)
    is_public = models.BooleanField(default=False, help_text="source and logs visible to everyone")
    # Organisers disable a competitor (in the admin) to keep it out of the next editions; its
    # past duels and editions stay as they were played.
    active = models.BooleanField(
        default=True, help_text="enters new editions; untick to leave it out of them"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["environment", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "name"], name="unique_competitor_name_per_game"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.environment.slug})"

    def latest_valid_revision(self) -> Revision | None:
        return (
            self.revisions.filter(test_state=Revision.TEST_COMPLETED).order_by("-version").first()
        )


def submission_path(revision: Revision, filename: str) -> str:
    competitor = revision.competitor
    unique = uuid.uuid4().hex[:8]  # a re-upload never overwrites a stored zip
    folder = f"submissions/{competitor.environment.slug}/{competitor.name}"
    return f"{folder}/{revision.version}-{unique}.zip"


class Revision(models.Model):
    """One submitted zip of a competitor, with its image, validation and publication."""

    IMAGE_SCHEDULED = "IMAGE_SCHEDULED"
    IMAGE_RUNNING = "IMAGE_RUNNING"
    IMAGE_COMPLETED = "IMAGE_COMPLETED"
    IMAGE_FAILED = "IMAGE_FAILED"
    IMAGE_STATES = [
        (s, s.split("_")[1].lower())
        for s in (IMAGE_SCHEDULED, IMAGE_RUNNING, IMAGE_COMPLETED, IMAGE_FAILED)
    ]

    TEST_PENDING = "TEST_PENDING"  # waiting for its image
    TEST_SCHEDULED = "TEST_SCHEDULED"
    TEST_RUNNING = "TEST_RUNNING"
    TEST_COMPLETED = "TEST_COMPLETED"
    TEST_FAILED = "TEST_FAILED"
    TEST_STATES = [
        (s, s.split("_")[1].lower())
        for s in (TEST_PENDING, TEST_SCHEDULED, TEST_RUNNING, TEST_COMPLETED, TEST_FAILED)
    ]

    # Where the revision's player runs: its image in a Docker container (``image_name``), or,
    # in the embedded mode only, its unpacked folder (``image_name`` is then that folder) as a
    # local process. An explicit field, so no name can smuggle the unisolated kind in.
    SANDBOX_DOCKER = "docker"
    SANDBOX_PROCESS = "process"
    SANDBOXES = [(SANDBOX_DOCKER, "Docker container"), (SANDBOX_PROCESS, "local process")]

    PUBLISH_SCHEDULED = "PUBLISH_SCHEDULED"
    PUBLISH_COMPLETED = "PUBLISH_COMPLETED"
    PUBLISH_FAILED = "PUBLISH_FAILED"
    PUBLISH_SKIPPED = "PUBLISH_SKIPPED"
    PUBLISH_STATES = [
        (s, s.split("_")[1].lower())
        for s in (PUBLISH_SCHEDULED, PUBLISH_COMPLETED, PUBLISH_FAILED, PUBLISH_SKIPPED)
    ]

    competitor = models.ForeignKey(Competitor, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    zip_file = models.FileField(upload_to=submission_path, max_length=300)
    created = models.DateTimeField(default=timezone.now)

    image_state = models.CharField(max_length=20, choices=IMAGE_STATES, default=IMAGE_SCHEDULED)
    image_name = models.CharField(max_length=200, blank=True)
    sandbox = models.CharField(max_length=10, choices=SANDBOXES, default=SANDBOX_DOCKER)
    # The content address (sha256:...) of the built image: workers run the image by digest,
    # so a tag moved in the registry can never swap another image in.
    image_digest = models.CharField(max_length=100, blank=True)
    image_attempts = models.PositiveIntegerField(default=0, help_text="builds started")
    image_log = models.TextField(blank=True)
    image_error = models.TextField(blank=True)

    test_state = models.CharField(max_length=20, choices=TEST_STATES, default=TEST_PENDING)
    test_error = models.TextField(blank=True)
    test_log_1 = models.TextField(blank=True, help_text="player log of the first copy")
    test_log_2 = models.TextField(blank=True, help_text="player log of the second copy")
    test_duel = models.JSONField(null=True, blank=True, help_text="counters of the self-play duel")
    test_attempts = models.PositiveIntegerField(default=0, help_text="validations started")

    publish_state = models.CharField(
        max_length=20, choices=PUBLISH_STATES, default=PUBLISH_SCHEDULED
    )
    publish_url = models.URLField(blank=True, max_length=500)
    publish_error = models.TextField(blank=True)

    # Who works on it now, and their last sign of life: finds work whose worker died.
    worker = models.CharField(max_length=200, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["competitor", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["competitor", "version"], name="unique_revision_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competitor.name} v{self.version}"

    @property
    def is_valid(self) -> bool:
        return self.test_state == self.TEST_COMPLETED


class Tournament(models.Model):
    """An edition of a game's round-robin between the latest valid revision of everyone."""

    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    STATES = [(RUNNING, "running"), (COMPLETED, "completed"), (FAILED, "failed")]

    environment = models.ForeignKey(
        Environment, on_delete=models.PROTECT, related_name="tournaments"
    )
    edition = models.PositiveIntegerField()
    state = models.CharField(max_length=20, choices=STATES, default=RUNNING)
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)
    duels_total = models.PositiveIntegerField(default=0)
    duels_done = models.PositiveIntegerField(default=0)
    duels_reused = models.PositiveIntegerField(default=0)
    duels = models.ManyToManyField("Duel", through="TournamentDuel", related_name="tournaments")

    class Meta:
        ordering = ["environment", "-edition"]
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "edition"], name="unique_edition_per_game"
            )
        ]

    def __str__(self) -> str:
        return f"{self.environment.slug} #{self.edition}"


class TournamentParticipant(models.Model):
    tournament = models.ForeignKey(
        Tournament, on_delete=models.CASCADE, related_name="participants"
    )
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="participations")
    wins = models.PositiveIntegerField(default=0)
    losses = models.PositiveIntegerField(default=0)
    draws = models.PositiveIntegerField(default=0)
    points = models.PositiveIntegerField(default=0)
    total_score = models.FloatField(default=0)
    rank = models.PositiveIntegerField(null=True, blank=True)
    rating = models.FloatField(
        null=True, blank=True, help_text="conservative estimate: mu - 3 sigma"
    )
    rating_mu = models.FloatField(null=True, blank=True)
    rating_sigma = models.FloatField(null=True, blank=True)
    # How sure the ranking is that this one belongs above the next one down (docs/rules.md,
    # "How sure the ranking is"): their head-to-head matches in the edition, from this one's
    # side, and the likelihood of superiority; None for the last one.
    next_confidence = models.FloatField(
        null=True, blank=True, help_text="likelihood this one is stronger than the next one down"
    )
    next_separated = models.BooleanField(
        null=True, blank=True, help_text="the confidence reaches the threshold; else tied"
    )
    next_wins = models.PositiveIntegerField(default=0)
    next_draws = models.PositiveIntegerField(default=0)
    next_losses = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["tournament", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["tournament", "revision"], name="unique_participant")
        ]


class Duel(models.Model):
    """Two revisions' duel; one row serves every edition that needs it (TournamentDuel)."""

    SCHEDULED = "SCHEDULED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    STATES = [
        (SCHEDULED, "scheduled"),
        (RUNNING, "running"),
        (COMPLETED, "completed"),
        (FAILED, "failed"),
    ]

    # A challenge is a duel a participant asked for (web.services.start_challenge): played the
    # same way, on its own queue, and never part of an edition, a ranking or a record's counts.
    # The kind says so even once its challenger's account is gone.
    TOURNAMENT = "tournament"
    CHALLENGE = "challenge"
    KINDS = [(TOURNAMENT, "tournament duel"), (CHALLENGE, "challenge: unranked")]

    environment = models.ForeignKey(Environment, on_delete=models.PROTECT, related_name="duels")
    kind = models.CharField(max_length=12, choices=KINDS, default=TOURNAMENT)
    challenger = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="challenges",
        help_text="who asked for the challenge",
    )
    revision_1 = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="duels_as_player_1"
    )
    revision_2 = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="duels_as_player_2"
    )
    rules_version = models.PositiveIntegerField()
    num_matches = models.PositiveIntegerField()
    # The early-stop rule the duel is played under (its game's when scheduled), and why it
    # stopped before num_matches (blank: it did not); matches_done is then the matches played.
    early_stop = models.CharField(
        max_length=10, choices=Environment.EARLY_STOP_CHOICES, default=stopping.OFF
    )
    stopped = models.CharField(max_length=10, blank=True)
    state = models.CharField(max_length=20, choices=STATES, default=SCHEDULED)
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    matches_done = models.PositiveIntegerField(default=0)

    # The duel JSON's counters, copied for ranking and listing without reading the file.
    result = models.CharField(max_length=20, blank=True)
    error_msg = models.TextField(blank=True)
    player_1_wins = models.PositiveIntegerField(default=0)
    player_2_wins = models.PositiveIntegerField(default=0)
    draws = models.PositiveIntegerField(default=0)
    player_1_errors = models.PositiveIntegerField(default=0)
    player_2_errors = models.PositiveIntegerField(default=0)
    other_errors = models.PositiveIntegerField(default=0)
    player_1_score = models.FloatField(default=0)
    player_2_score = models.FloatField(default=0)
    record_file = models.FileField(upload_to="duels/", blank=True, max_length=300)
    log_1 = models.FileField(upload_to="duel-logs/", blank=True, max_length=300)
    log_2 = models.FileField(upload_to="duel-logs/", blank=True, max_length=300)

    # The fields above copied from the duel JSON as they are (its keys have the same names).
    COUNTERS = (
        "player_1_wins",
        "player_2_wins",
        "draws",
        "player_1_errors",
        "player_2_errors",
        "other_errors",
        "player_1_score",
        "player_2_score",
    )

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["revision_1", "revision_2", "rules_version", "num_matches"]),
            models.Index(fields=["state"]),
            models.Index(fields=["challenger", "created"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(revision_1=models.F("revision_2")), name="duel_between_two_revisions"
            ),
        ]

    def __str__(self) -> str:
        return f"duel {self.pk}: {self.revision_1} vs {self.revision_2}"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.COMPLETED, self.FAILED)

    @property
    def is_challenge(self) -> bool:
        return self.kind == self.CHALLENGE

    @property
    def tally(self) -> dict[str, int | float]:
        """The duel's counters, as run_duel.outcomes reads them."""
        return {counter: getattr(self, counter) for counter in self.COUNTERS}

    @property
    def matches_won(self) -> tuple[int, int]:
        """Each player's matches won, its opponent's errors included (run_duel.outcomes)."""
        return outcomes.matches_won(self.tally)

    @property
    def stopped_because(self) -> str | None:
        """ "stopped after 38 of 1000 matches: decided (...)", None for a full duel."""
        return stopping.describe(self.matches_done, self.num_matches, self.stopped or None)


class DuelAnalysis(models.Model):
    """The coach's analysis of a completed duel (``run_duel.coach``), computed once by
    ``duel_runner.coach.analyse_duel`` after the duel ends and kept: its blunders and figures
    (``report``, small, read by the revision's blunder report) and every proven position's
    verdict (``positions``, read by the replay only)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    STATES = [(PENDING, "pending"), (RUNNING, "running"), (DONE, "done"), (FAILED, "failed")]

    duel = models.OneToOneField(Duel, on_delete=models.CASCADE, related_name="analysis")
    state = models.CharField(max_length=20, choices=STATES, default=PENDING)
    format = models.PositiveIntegerField(default=0, help_text="run_duel.coach.FORMAT")
    attempts = models.PositiveIntegerField(default=0)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    report = models.JSONField(null=True, blank=True, help_text="blunders and figures")
    positions = models.JSONField(null=True, blank=True, help_text="verdict by position")
    # Blunders (occurrences) of each player, for lists that must not read the report.
    blunders_1 = models.PositiveIntegerField(default=0)
    blunders_2 = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "duel analyses"

    def __str__(self) -> str:
        return f"analysis of duel {self.duel_id} ({self.state})"


class TournamentDuel(models.Model):
    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE)
    duel = models.ForeignKey(Duel, on_delete=models.PROTECT)
    round = models.PositiveIntegerField(help_text="round of the circle method, from 1")
    reused = models.BooleanField(default=False, help_text="finished in an earlier edition")
    extra = models.BooleanField(
        default=False,
        help_text="an extra duel between tied neighbours: counts for their head-to-head only",
    )

    class Meta:
        ordering = ["tournament", "round", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tournament", "duel"], name="unique_duel_per_tournament"
            )
        ]


class HumanMatch(models.Model):
    """A match a human plays against a revision, recorded move by move: in the browser, or
    through the API with a program of their own (``client``, a remote match; unranked as every
    human match).

    Played by :mod:`duel_runner.human_matches` (claimed and kept alive as :mod:`core.work`
    says); created, fed and read by the website (web/play). Its table is the one web/play
    created, kept when the model moved here.
    """

    WAITING = "WAITING"  # created, its sandbox not started yet
    RUNNING = "RUNNING"  # a worker (or the demo's server) holds the agent's sandbox
    FINISHED = "FINISHED"
    ABANDONED = "ABANDONED"  # no move for ARENA_PLAY_IDLE_TIMEOUT, or the human left
    STATES = [(s, s.lower()) for s in (WAITING, RUNNING, FINISHED, ABANDONED)]
    ACTIVE_STATES = (WAITING, RUNNING)

    # The results, as run_duel.outcomes (the one module that judges a match) names them.
    HUMAN_WIN = outcomes.HUMAN_WIN
    AGENT_WIN = outcomes.AGENT_WIN
    DRAW = outcomes.DRAW
    AGENT_ERROR = outcomes.AGENT_ERROR
    ARENA_ERROR = outcomes.ARENA_ERROR
    RESULTS = [
        (HUMAN_WIN, "human won"),
        (AGENT_WIN, "agent won"),
        (DRAW, "draw"),
        (AGENT_ERROR, "agent error"),
        (ARENA_ERROR, "arena error"),
    ]

    # Who played the human's side: a person at the match page, or a program of the user's
    # through the API (``arena connect``): the same match, told apart in the data set.
    BROWSER = "browser"
    REMOTE = "remote"
    CLIENTS = [(BROWSER, "browser"), (REMOTE, "remote client")]

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="human_matches")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="human_matches"
    )
    human_first = models.BooleanField(help_text="the human made the first move")
    client = models.CharField(
        max_length=10,
        choices=CLIENTS,
        default=BROWSER,
        help_text="who played the human's side: the match page or a remote client (the API)",
    )
    rules_version = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=20, choices=STATES, default=WAITING)
    result = models.CharField(max_length=20, choices=RESULTS, blank=True)
    error_msg = models.TextField(blank=True)
    # states[0] is the start position, states[i] the one after actions[i - 1]; rewards[i] is
    # the reward of the mover of actions[i] (who moved follows from human_first).
    states = models.JSONField(default=list)
    actions = models.JSONField(default=list)
    rewards = models.JSONField(default=list)
    human_score = models.FloatField(default=0)
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    # Who holds the sandbox, and their last sign of life (core.work): finds matches whose
    # worker died. The heartbeat keeps the column it had before (``updated``).
    worker = models.CharField(max_length=200, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    heartbeat = models.DateTimeField(default=timezone.now, db_column="updated")

    class Meta:
        db_table = "play_humanmatch"
        ordering = ["-created"]
        verbose_name_plural = "human matches"
        indexes = [models.Index(fields=["state"], name="play_humanmatch_state_idx")]

    def __str__(self) -> str:
        return f"human match {self.pk}: {self.user} vs {self.revision}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES


TOKEN_PREFIX = "arena_"


def hash_token(key: str) -> str:
    # A token is 32 random bytes: a fast hash is enough (nothing to brute-force), and it lets
    # a request find its token by an indexed lookup.
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A user's one API token. Only its hash is stored: the token is shown once, at creation.

    Its table is the one the API app created (``api_apitoken``), kept when the model moved
    here beside the moves asked for with it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16, help_text="its first characters, to recognise it")
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)
    # The move endpoint's rate limit: moves asked for in the minute that started then.
    move_window_start = models.DateTimeField(null=True, blank=True)
    move_count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "api_apitoken"
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def create_for(cls, user: User) -> str:
        """A new token for the user, replacing any previous one; returns the token itself."""
        key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        cls.objects.filter(user=user).delete()
        cls.objects.create(user=user, key_hash=hash_token(key), prefix=key[:12])
        return key


class ApiMove(models.Model):
    """One move asked for through the API, computed by a worker (duel_runner.moves).

    The row is the move's whole life, shared by every web process: the request that asked
    for it waits a moment for its outcome, then hands out its address to poll; it counts as
    in flight (web.api.moves) until a worker wrote its outcome or it expired unstarted. Its
    table is the one the API created, kept when the model moved here, so that workers need
    nothing of the website.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="moves")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(default=timezone.now, db_index=True)
    started = models.DateTimeField(null=True, blank=True, help_text="a worker took it")
    # {"action": n} or {"kind": "player"|"arena", "error": ..., "log_tail": ...}, written once.
    outcome = models.JSONField(null=True, blank=True)

    class Meta:
        db_table = "api_apimove"
        verbose_name = "API move"

    def __str__(self) -> str:
        return f"move {self.pk} of revision {self.revision_id}"


class Notification(models.Model):
    """One thing the arena told (or will tell) a user: a revision's end, an edition's summary.

    Its ``key`` is unique per user, so a task sent twice finds the row and sends nothing twice:
    ``mailed`` says the mail went, ``webhook_state`` where the webhook's delivery stands.
    """

    REVISION_FAILED = "revision.failed"
    REVISION_VALIDATED = "revision.validated"
    EDITION_FINISHED = "edition.finished"
    EVENTS = [
        (REVISION_FAILED, "revision failed"),
        (REVISION_VALIDATED, "revision validated"),
        (EDITION_FINISHED, "edition finished"),
    ]
    WEBHOOK_NONE = ""
    WEBHOOK_SCHEDULED = "SCHEDULED"
    WEBHOOK_DELIVERED = "DELIVERED"
    WEBHOOK_FAILED = "FAILED"
    WEBHOOK_STATES = [
        (WEBHOOK_NONE, "no webhook"),
        (WEBHOOK_SCHEDULED, "scheduled"),
        (WEBHOOK_DELIVERED, "delivered"),
        (WEBHOOK_FAILED, "failed"),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=100, help_text="what it is about, unique per user")
    event = models.CharField(max_length=30, choices=EVENTS)
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    participant = models.ForeignKey(
        TournamentParticipant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    mailed = models.DateTimeField(null=True, blank=True)
    mail_attempts = models.PositiveIntegerField(default=0)
    webhook_state = models.CharField(
        max_length=20, choices=WEBHOOK_STATES, default=WEBHOOK_NONE, blank=True
    )
    webhook_attempts = models.PositiveIntegerField(default=0)
    webhook_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.event} for {self.user} ({self.key})"
