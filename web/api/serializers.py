"""What the API says about each thing; private fields are null for who may not see them.

"Private" follows the website (:func:`web.access.can_see_private`): a private competitor's
errors, logs and sources are its owner's and staff's; results and states are public.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from arena import results
from core.models import Competitor, Duel, Environment, Revision, Tournament, TournamentParticipant
from tournament_manager.services import duel_length
from web import services
from web.access import can_see_private, hide_private_log_tails, public_test_duel, visible_logs
from web.logs import ERROR_DISPLAY_CHARS, clip

# --- Games ---------------------------------------------------------------------------------


class LimitsSerializer(serializers.Serializer):
    memory = serializers.CharField()
    cpus = serializers.FloatField()
    startup_timeout = serializers.FloatField(help_text="seconds for Player(False) to be ready")
    move_timeout = serializers.FloatField(help_text="seconds per start() or step() call")


class GameSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField()
    duel_length = serializers.IntegerField(
        source="num_matches", help_text="matches per duel in the game's info.yml"
    )
    matches_per_duel = serializers.SerializerMethodField(
        help_text="matches per duel as this arena plays them (ARENA_DUEL_MATCHES may shorten "
        "duel_length)"
    )
    limits = LimitsSerializer(source="*", read_only=True)
    latest_edition = serializers.IntegerField(
        allow_null=True, read_only=True, help_text="the edition whose ranking is the leaderboard"
    )

    class Meta:
        model = Environment
        fields = [
            "slug",
            "name",
            "description",
            "rules_version",
            "duel_length",
            "matches_per_duel",
            "state_dtype",
            "limits",
            "active",
            "latest_edition",
        ]

    def get_matches_per_duel(self, game: Environment) -> int:
        return duel_length(game)


# --- Competitors and revisions ---------------------------------------------------------------


class CompetitorSerializer(serializers.ModelSerializer):
    game = serializers.SlugField(source="environment.slug", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True)
    latest_version = serializers.IntegerField(allow_null=True, read_only=True)
    latest_image_state = serializers.CharField(allow_null=True, read_only=True)
    latest_test_state = serializers.CharField(allow_null=True, read_only=True)
    valid_version = serializers.IntegerField(
        allow_null=True, read_only=True, help_text="latest validated revision: the one that plays"
    )
    rank = serializers.IntegerField(
        source="current_rank", allow_null=True, read_only=True, help_text="in `edition`"
    )
    edition = serializers.IntegerField(
        source="current_edition",
        allow_null=True,
        read_only=True,
        help_text="the game's latest edition, when the competitor takes part in it",
    )
    field_size = serializers.IntegerField(
        allow_null=True, read_only=True, help_text="competitors ranked in `edition`"
    )
    ranked_version = serializers.IntegerField(
        allow_null=True,
        read_only=True,
        help_text="the revision that holds `rank`: an older one than `valid_version` until an "
        "edition with the newer one is ranked",
    )
    edition_state = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text="RUNNING (its ranking is provisional), COMPLETED or FAILED",
    )

    class Meta:
        model = Competitor
        fields = [
            "game",
            "name",
            "owner",
            "is_public",
            "created",
            "latest_version",
            "latest_image_state",
            "latest_test_state",
            "valid_version",
            "rank",
            "edition",
            "field_size",
            "ranked_version",
            "edition_state",
        ]


class CompetitorCreateSerializer(serializers.Serializer):
    """A new competitor: the website's name rules (web.services)."""

    name = serializers.SlugField(
        max_length=services.COMPETITOR_NAME_MAX_LENGTH,
        help_text="letters, digits, - and _ (e.g. my-minimax)",
        error_messages={"invalid": services.COMPETITOR_NAME_RULE},
    )
    is_public = serializers.BooleanField(
        default=False, help_text="anyone may download its source and read its logs"
    )


class RevisionSerializer(serializers.ModelSerializer):
    """A revision; ``image_error`` and ``test_error`` are null unless the viewer may see them."""

    done = serializers.SerializerMethodField(help_text="build and validation are over")
    is_valid = serializers.BooleanField(read_only=True)
    image_error = serializers.CharField(allow_null=True)
    test_error = serializers.CharField(allow_null=True)

    class Meta:
        model = Revision
        fields = [
            "version",
            "created",
            "image_state",
            "test_state",
            "publish_state",
            "done",
            "is_valid",
            "image_error",
            "test_error",
            "test_duel",
        ]

    def get_done(self, revision: Revision) -> bool:
        return services.revision_done(revision)

    def to_representation(self, revision: Revision) -> dict[str, Any]:
        data = super().to_representation(revision)
        # Bounded: a long message or log shows its beginning and end (web.logs).
        for field in ("image_error", "test_error"):
            data[field] = clip(data[field], ERROR_DISPLAY_CHARS)
        for field, which in LOG_ADDRESSES.items():
            if data.get(field):
                data[field] = clip(data[field], whole_at=self._log_url(revision, which))
        if not self.context.get("may_see", False):
            for field in self.Meta.fields:
                if field in PRIVATE_REVISION_FIELDS:
                    data[field] = None
            data["test_duel"] = public_test_duel(data.get("test_duel"))
        return data

    def _log_url(self, revision: Revision, which: str) -> str:
        competitor = revision.competitor
        slug = competitor.environment.slug
        url = reverse("revision-log", args=[slug, competitor.name, revision.version, which])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


# The revision's logs, and the names of their download addresses (web.views.competitors).
LOG_ADDRESSES = {field: which for which, field in services.REVISION_LOGS.items()}
PRIVATE_REVISION_FIELDS = {"image_error", "test_error", *services.REVISION_LOG_FIELDS}


class RevisionDetailSerializer(RevisionSerializer):
    """With the build log and both validation player logs (null unless the viewer may see)."""

    image_log = serializers.CharField(allow_null=True)
    test_log_1 = serializers.CharField(allow_null=True)
    test_log_2 = serializers.CharField(allow_null=True)

    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "image_log", "test_log_1", "test_log_2"]


class RevisionUploadSerializer(serializers.Serializer):
    zip_file = serializers.FileField(
        help_text="a zip with player.py at its root (and requirements.txt if it needs packages)",
        error_messages=services.ZIP_FILE_ERRORS,
    )


# --- Tournaments -----------------------------------------------------------------------------


class TournamentSerializer(serializers.ModelSerializer):
    game = serializers.SlugField(source="environment.slug", read_only=True)

    class Meta:
        model = Tournament
        fields = [
            "game",
            "edition",
            "state",
            "created",
            "finished",
            "duels_total",
            "duels_done",
            "duels_reused",
        ]


class LeaderboardRowSerializer(serializers.ModelSerializer):
    """One leaderboard row: the website's columns, under the names of arena.results.

    Rows come best first: by ``points``, then ``wins``, then ``total_score``; ``rating`` is
    shown beside the rank and never decides it.
    """

    competitor = serializers.CharField(source="revision.competitor.name")
    owner = serializers.CharField(source="revision.competitor.owner.username")
    version = serializers.IntegerField(source="revision.version")
    rank = serializers.IntegerField(
        allow_null=True, help_text="shared by equal (points, wins, total_score): 1, 1, 3"
    )
    points = serializers.IntegerField(help_text=results.MEANINGS["points"])
    wins = serializers.IntegerField(help_text=results.MEANINGS["wins"])
    draws = serializers.IntegerField(help_text=results.MEANINGS["draws"])
    losses = serializers.IntegerField(help_text=results.MEANINGS["losses"])
    total_score = serializers.FloatField(help_text=results.MEANINGS["total_score"])
    rating = serializers.FloatField(
        allow_null=True, help_text=f"{results.MEANINGS['rating']}; the site shows it rounded"
    )
    rating_mu = serializers.FloatField(allow_null=True, help_text=results.MEANINGS["rating_mu"])
    rating_sigma = serializers.FloatField(
        allow_null=True, help_text=results.MEANINGS["rating_sigma"]
    )
    next_confidence = serializers.FloatField(
        allow_null=True,
        help_text=f"{results.MEANINGS['next_confidence']}, from 0 to 1; null for the last row",
    )
    next_separated = serializers.BooleanField(
        allow_null=True, help_text=f"{results.MEANINGS['next_separated']}; null for the last row"
    )
    next_matches = serializers.SerializerMethodField(
        help_text="the head-to-head matches with the next one down, from this one's side"
    )

    class Meta:
        model = TournamentParticipant
        fields = [
            "rank",
            "competitor",
            "owner",
            "version",
            "points",
            "wins",
            "draws",
            "losses",
            "total_score",
            "rating",
            "rating_mu",
            "rating_sigma",
            "next_confidence",
            "next_separated",
            "next_matches",
        ]

    def get_next_matches(self, row: TournamentParticipant) -> dict[str, int] | None:
        if row.next_confidence is None:
            return None
        return {"wins": row.next_wins, "draws": row.next_draws, "losses": row.next_losses}


class TournamentDetailSerializer(TournamentSerializer):
    leaderboard = LeaderboardRowSerializer(many=True, source="ranked_participants")

    class Meta(TournamentSerializer.Meta):
        fields = [*TournamentSerializer.Meta.fields, "leaderboard"]


# --- Duels and matches -------------------------------------------------------------------------


class DuelPlayerSerializer(serializers.Serializer):
    competitor = serializers.CharField(source="competitor.name")
    owner = serializers.CharField(source="competitor.owner.username")
    version = serializers.IntegerField()


class DuelSerializer(serializers.ModelSerializer):
    """A duel; its error message quotes a player's log only to who may read that log."""

    game = serializers.SlugField(source="environment.slug", read_only=True)
    player_1 = DuelPlayerSerializer(source="revision_1")
    player_2 = DuelPlayerSerializer(source="revision_2")
    error_msg = serializers.SerializerMethodField()
    player_1_matches_won = serializers.SerializerMethodField(
        help_text=f"player 1's W on the duel page: {results.MEANINGS['matches_won']}"
    )
    player_2_matches_won = serializers.SerializerMethodField(
        help_text=f"player 2's W on the duel page: {results.MEANINGS['matches_won']}"
    )
    early_stop = serializers.CharField(
        read_only=True,
        help_text="the early-stop rule the duel is played under: off (every match), decided "
        "(stops once the result can no longer change) or sprt (also stops once a sequential "
        "test tells the better player)",
    )
    stopped = serializers.SerializerMethodField(
        help_text="why the duel ended before num_matches: decided, sprt, or null (it did not)"
    )
    stopped_because = serializers.SerializerMethodField(
        help_text="the same in words: 'stopped after 38 of 1000 matches: decided (...)', or null"
    )
    kind = serializers.CharField(
        read_only=True,
        help_text="tournament (an edition's duel) or challenge (asked for by a participant, "
        "unranked: it counts in no edition, ranking or record)",
    )
    challenger = serializers.CharField(
        source="challenger.username",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="who asked for the challenge; null for a tournament duel",
    )

    class Meta:
        model = Duel
        fields = [
            "id",
            "game",
            "kind",
            "challenger",
            "player_1",
            "player_2",
            "state",
            "rules_version",
            "num_matches",
            "matches_done",
            "created",
            "started",
            "finished",
            "result",
            "error_msg",
            *Duel.COUNTERS,
            "player_1_matches_won",
            "player_2_matches_won",
            "early_stop",
            "stopped",
            "stopped_because",
        ]

    def get_stopped(self, duel: Duel) -> str | None:
        return duel.stopped or None

    def get_stopped_because(self, duel: Duel) -> str | None:
        return duel.stopped_because

    def get_player_1_matches_won(self, duel: Duel) -> int:
        return duel.matches_won[0]

    def get_player_2_matches_won(self, duel: Duel) -> int:
        return duel.matches_won[1]

    def get_error_msg(self, duel: Duel) -> str:
        visible = visible_logs(self.context["request"].user, duel)
        return hide_private_log_tails(duel.error_msg, visible)


class MatchSummarySerializer(serializers.Serializer):
    number = serializers.IntegerField()
    result = serializers.CharField()
    first_player = serializers.CharField()
    player_1_score = serializers.FloatField()
    player_2_score = serializers.FloatField()
    moves = serializers.IntegerField()
    error_msg = serializers.CharField(allow_null=True)
    seed = serializers.IntegerField(
        allow_null=True, help_text="the match's seed (null for duels played before seeds)"
    )


class DuelDetailSerializer(DuelSerializer):
    log_1 = serializers.CharField(
        source="log_1_text", allow_null=True, help_text="player 1's log, if you may read it"
    )
    log_2 = serializers.CharField(
        source="log_2_text", allow_null=True, help_text="player 2's log, if you may read it"
    )
    matches = MatchSummarySerializer(many=True, help_text="empty until the duel ends")
    seed = serializers.IntegerField(
        source="record_seed",
        allow_null=True,
        help_text="the duel's seed, its players' PYTHONHASHSEED (see `arena rerun`); null "
        "until the duel ends, and for duels played before seeds",
    )
    player_1_source = serializers.SerializerMethodField(
        help_text="player 1's source zip, if you may download it (public, or yours)"
    )
    player_2_source = serializers.SerializerMethodField(
        help_text="player 2's source zip, if you may download it (public, or yours)"
    )

    class Meta(DuelSerializer.Meta):
        fields = [
            *DuelSerializer.Meta.fields,
            "log_1",
            "log_2",
            "matches",
            "seed",
            "player_1_source",
            "player_2_source",
        ]

    def get_player_1_source(self, duel: Duel) -> str | None:
        return self._source(duel, duel.revision_1)

    def get_player_2_source(self, duel: Duel) -> str | None:
        return self._source(duel, duel.revision_2)

    def _source(self, duel: Duel, revision: Revision) -> str | None:
        request = self.context["request"]
        if not revision.zip_file or not can_see_private(request.user, revision.competitor):
            return None
        path = reverse(
            "api-revision-source",
            args=[duel.environment.slug, revision.competitor.name, revision.version],
        )
        return request.build_absolute_uri(path)


class MatchSerializer(serializers.Serializer):
    """A match as in the duel JSON (every state of the board), plus what it is a match of."""

    environment = serializers.SlugField()
    rules_version = serializers.IntegerField()
    duel = serializers.IntegerField()
    number = serializers.IntegerField()
    player_1 = serializers.DictField()
    player_2 = serializers.DictField()
    result = serializers.CharField()
    error_msg = serializers.CharField(allow_null=True)
    first_player = serializers.CharField()
    player_1_score = serializers.FloatField()
    player_2_score = serializers.FloatField()
    states = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()))
    move_seconds = serializers.ListField(
        child=serializers.FloatField(),
        required=False,
        help_text="each valid move's thinking time in seconds, in play order "
        "(absent from duels recorded before move times were kept)",
    )
    seed = serializers.IntegerField(
        required=False,
        help_text="the match's seed (absent from duels recorded before seeds were kept)",
    )


# --- The coach ----------------------------------------------------------------------------------


class BlunderOccurrenceSerializer(serializers.Serializer):
    duel = serializers.IntegerField(required=False, help_text="in a revision's report")
    match = serializers.IntegerField(help_text="from 1")
    step = serializers.IntegerField(help_text="the replay step of the position before the move")
    replay = serializers.CharField(help_text="the replay's address at that step")


class BlunderSerializer(serializers.Serializer):
    """A move a solver proved worse than the position allowed, grouped by position."""

    position = serializers.CharField(help_text="the position's key: its state, comma-separated")
    state = serializers.ListField(child=serializers.FloatField())
    mover = serializers.IntegerField(required=False, help_text="the duel's player who moved")
    action = serializers.IntegerField()
    move = serializers.CharField(help_text="the move in the game's words")
    before = serializers.IntegerField(help_text="the mover's value before: 1 won, 0 drawn")
    after = serializers.IntegerField(help_text="after the move: 0 drawn, -1 lost")
    turned = serializers.CharField(help_text='"won into drawn", "drawn into lost"...')
    best = serializers.CharField(
        help_text='what the position offered: "X wins in 3 (winning moves: b2)"'
    )
    best_actions = serializers.ListField(child=serializers.IntegerField())
    count = serializers.IntegerField()
    occurrences = BlunderOccurrenceSerializer(many=True)


class DuelAnalysisSerializer(serializers.Serializer):
    """The coach's analysis of a duel (every position's proven verdict, every blunder)."""

    duel = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["done", "pending", "failed", "none"])
    why = serializers.CharField(help_text="why there is no analysis, when there is none")
    stats = serializers.DictField(
        allow_null=True, help_text="moves, moves_judged, positions, proven, unknown, seconds"
    )
    blunders = BlunderSerializer(many=True)
    positions = serializers.DictField(
        help_text="position key -> {value, plies, best} for the player to move, proven only"
    )


class RevisionBlundersSerializer(serializers.Serializer):
    """A revision's blunders across its completed duels, grouped by position and move."""

    solver = serializers.BooleanField(help_text="whether the game has a solver")
    why = serializers.CharField(help_text="why the report is empty, when it is")
    duels = serializers.IntegerField()
    analysed = serializers.IntegerField()
    pending = serializers.IntegerField()
    failed = serializers.IntegerField()
    blunders = serializers.IntegerField(help_text="blunders in all (occurrences)")
    positions = BlunderSerializer(many=True)


# --- Me and the move ---------------------------------------------------------------------------


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_staff = serializers.BooleanField()


# Far above any game's state or action count: bounds the work a request can ask for.
MAX_POSITION_SIZE = 4096


class MoveRequestSerializer(serializers.Serializer):
    state = serializers.ListField(
        child=serializers.FloatField(),
        max_length=MAX_POSITION_SIZE,
        help_text="the absolute state, in the game's encoding (see the game's description)",
    )
    valid_actions = serializers.ListField(
        child=serializers.IntegerField(min_value=0),
        min_length=1,
        max_length=MAX_POSITION_SIZE,
        help_text="the actions the agent may choose from",
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="which revision; default: the latest valid one"
    )


class MoveSerializer(serializers.Serializer):
    action = serializers.IntegerField()
    competitor = serializers.CharField()
    version = serializers.IntegerField()


class MovePendingSerializer(serializers.Serializer):
    """A move a worker has not answered yet: GET ``move`` until it answers 200."""

    move = serializers.URLField(help_text="the move's address: GET it for the answer")
    competitor = serializers.CharField()
    version = serializers.IntegerField()
    started = serializers.BooleanField(help_text="a worker is computing it")


# --- Challenges ----------------------------------------------------------------------------


class ChallengeRequestSerializer(serializers.Serializer):
    """What a challenge asks for; a version left out is the competitor's latest validated one."""

    game = serializers.SlugField()
    competitor = serializers.SlugField(help_text="your competitor, which plays first (player 1)")
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="its revision; default: its latest validated one"
    )
    opponent = serializers.SlugField(help_text="a public competitor of the game, or your own")
    opponent_version = serializers.IntegerField(
        required=False, min_value=1, help_text="its revision; default: its latest validated one"
    )
    matches = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="how many matches, from 1 to the game's matches_per_duel (the default); "
        "the first player alternates from one match to the next",
    )


class ChallengeSerializer(DuelSerializer):
    """A challenge: its duel, with the addresses of its page and of this endpoint."""

    url = serializers.SerializerMethodField(help_text="the duel's page: live while it plays")
    api_url = serializers.SerializerMethodField(help_text="this challenge, to follow its progress")

    class Meta(DuelSerializer.Meta):
        fields = [*DuelSerializer.Meta.fields, "url", "api_url"]

    def get_url(self, duel: Duel) -> str:
        return self.context["request"].build_absolute_uri(reverse("duel", args=[duel.pk]))

    def get_api_url(self, duel: Duel) -> str:
        return self.context["request"].build_absolute_uri(reverse("api-challenge", args=[duel.pk]))


# --- Remote matches (arena connect): a local player against a hosted agent ---------------------

REMOTE_SIDES = ["client", "agent"]  # who moves first, whose turn it is
REMOTE_WAIT_HELP = (
    "seconds this request may wait for the agent's reply (at most 25; default 25): past it "
    "the answer is 202 and you ask again with GET ...?after=<ply>&wait=<s>"
)


class RemoteConnectSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="which revision; default: the latest valid one"
    )
    first = serializers.ChoiceField(
        choices=REMOTE_SIDES, default="client", help_text="who makes the first move"
    )
    wait = serializers.FloatField(
        required=False, min_value=0, max_value=600, help_text=REMOTE_WAIT_HELP
    )


class RemoteMoveSerializer(serializers.Serializer):
    ply = serializers.IntegerField(
        min_value=0, help_text="the number of moves played before this one (the answer's ply)"
    )
    action = serializers.IntegerField(help_text="one of the answer's valid_actions")
    wait = serializers.FloatField(
        required=False, min_value=0, max_value=600, help_text=REMOTE_WAIT_HELP
    )


class RemoteMatchSerializer(serializers.Serializer):
    """A remote match from the client's side (web.play.remote.status)."""

    id = serializers.IntegerField()
    url = serializers.URLField(help_text="the match's address: GET it, POST moves/ and leave/")
    game = serializers.SlugField()
    competitor = serializers.CharField()
    version = serializers.IntegerField()
    first = serializers.ChoiceField(choices=REMOTE_SIDES)
    match_state = serializers.ChoiceField(
        choices=["WAITING", "RUNNING", "FINISHED", "ABANDONED"],
        help_text="WAITING: the agent's sandbox is starting; ABANDONED: the client left or made "
        "no move within the idle timeout",
    )
    ply = serializers.IntegerField(help_text="moves played so far (send it with your move)")
    turn = serializers.ChoiceField(
        choices=REMOTE_SIDES, allow_null=True, help_text="null once the match is over"
    )
    state = serializers.ListField(
        child=serializers.FloatField(),
        allow_null=True,
        help_text="the game's state after the last move, in the game's encoding (as the "
        "harness gives it to player.start/step)",
    )
    valid_actions = serializers.ListField(
        child=serializers.IntegerField(), help_text="your legal actions when it is your turn"
    )
    actions = serializers.ListField(child=serializers.IntegerField(), help_text="every move")
    agent_actions = serializers.ListField(child=serializers.IntegerField())
    rewards = serializers.ListField(
        child=serializers.FloatField(), help_text="the game's reward of each move, to its mover"
    )
    done = serializers.BooleanField()
    result = serializers.ChoiceField(
        choices=["HUMAN_WIN", "AGENT_WIN", "DRAW", "AGENT_ERROR", "ARENA_ERROR"],
        allow_null=True,
        help_text="from the client's side (HUMAN_WIN: the client won); null while playing "
        "and for an abandoned match",
    )
    client_score = serializers.FloatField(help_text="the client's score, as a duel scores a match")
    error = serializers.CharField(allow_null=True)


class PongSerializer(serializers.Serializer):
    pong = serializers.BooleanField()
