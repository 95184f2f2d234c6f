"""Minimax player: a search player for tic-tac-toe, connect-four and quarto.

The game is recognised from the length of the state (10, 43 or 17 entries). The state is
absolute, so the player reads who is to move from it (tic-tac-toe entry 9, connect-four entry
42); in quarto the mover is simply whoever is called.

- tic-tac-toe: perfect play. A memoised negamax gives every move its game-theoretic value; among
  the moves that keep the best value, the player takes the one with the highest expected score
  against an opponent playing at random, so it never loses and wins as often as it can.
- connect-four: alpha-beta negamax on bitboards with iterative deepening under a time budget,
  centre-first move ordering, immediate-win and forced-block detection, and a heuristic that
  counts open three-in-a-row threats and weighs cells by how many lines pass through them.
- quarto: takes an immediate win when there is one, never hands over a piece the opponent could
  win with when a safe piece exists, and searches deeper (alpha-beta, iterative deepening under
  the same time budget) as the board fills up, which solves the end game exactly.

Every move stays around ``MOVE_BUDGET`` seconds, far below the arena's per-move timeout.
Standard library and numpy only, as every submission must be.
"""

from __future__ import annotations

import random
import time
from functools import cache

import numpy as np

MOVE_BUDGET = 0.05  # seconds of search per move (connect-four and quarto)


class _OutOfTime(Exception):
    """Raised inside a search when the move's time budget is spent."""


class _Clock:
    def __init__(self, budget: float) -> None:
        self.deadline = time.perf_counter() + budget
        self.nodes = 0

    def tick(self) -> None:
        self.nodes += 1
        if self.nodes & 63 == 0 and time.perf_counter() > self.deadline:
            raise _OutOfTime


# --------------------------------------------------------------------------------------------
# tic-tac-toe: the whole game tree is tiny (5478 positions), so it is solved exactly.

_TTT_LINES = ((0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8))
_TTT_LINES += ((2, 4, 6),)
_TTT_LINES_AT = tuple(tuple(line for line in _TTT_LINES if cell in line) for cell in range(9))

Board = tuple[int, ...]


def _ttt_play(board: Board, cell: int, mark: int) -> tuple[Board, float | None]:
    """The board after ``mark`` takes ``cell``, and the mover's reward if that ends the game."""
    new = (*board[:cell], mark, *board[cell + 1 :])
    if any(new[a] == new[b] == new[c] for a, b, c in _TTT_LINES_AT[cell]):
        return new, 1.0
    if 0 not in new:
        return new, 0.0
    return new, None


@cache
def _ttt_value(board: Board, mover: int) -> int:
    """Game-theoretic value for the mover: 1 win, 0 draw, -1 loss."""
    best = -1
    for cell in range(9):
        if board[cell] == 0:
            new, reward = _ttt_play(board, cell, mover)
            value = int(reward) if reward is not None else -_ttt_value(new, -mover)
            if value > best:
                best = value
                if best == 1:
                    break
    return best


def _ttt_optimal_moves(board: Board, me: int) -> list[tuple[int, Board, float | None]]:
    target = _ttt_value(board, me)
    moves = []
    for cell in range(9):
        if board[cell] == 0:
            new, reward = _ttt_play(board, cell, me)
            value = int(reward) if reward is not None else -_ttt_value(new, -me)
            if value == target:
                moves.append((cell, new, reward))
    return moves


@cache
def _ttt_expect_mine(board: Board, me: int) -> float:
    """My expected score when I am to move, play optimally and the opponent plays at random."""
    return max(
        reward if reward is not None else _ttt_expect_theirs(new, me)
        for _, new, reward in _ttt_optimal_moves(board, me)
    )


@cache
def _ttt_expect_theirs(board: Board, me: int) -> float:
    """My expected score when the opponent is to move and plays uniformly at random."""
    total = 0.0
    empty = [cell for cell in range(9) if board[cell] == 0]
    for cell in empty:
        new, reward = _ttt_play(board, cell, -me)
        total += -reward if reward is not None else _ttt_expect_mine(new, me)
    return total / len(empty)


def ttt_move(state: np.ndarray, rng: random.Random) -> int:
    board = tuple(int(x) for x in state[:9])
    me = int(state[9])
    scored = [
        (reward if reward is not None else _ttt_expect_theirs(new, me), cell)
        for cell, new, reward in _ttt_optimal_moves(board, me)
    ]
    best = max(score for score, _ in scored)
    return rng.choice([cell for score, cell in scored if score >= best - 1e-12])


# --------------------------------------------------------------------------------------------
# connect-four: bitboards, 7 bits per column (6 cells from the bottom up, plus a spare bit).

_C4_BOTTOM = sum(1 << (7 * col) for col in range(7))
_C4_BOARD = _C4_BOTTOM * 0b111111
_C4_COLUMN = tuple(0b111111 << (7 * col) for col in range(7))
_C4_ORDER = (3, 2, 4, 1, 5, 0, 6)
_C4_WIN = 10_000
# How many four-in-a-row windows pass through each cell (row 0 at the top).
_C4_WEIGHTS = (
    (3, 4, 5, 7, 5, 4, 3),
    (4, 6, 8, 10, 8, 6, 4),
    (5, 8, 11, 13, 11, 8, 5),
    (5, 8, 11, 13, 11, 8, 5),
    (4, 6, 8, 10, 8, 6, 4),
    (3, 4, 5, 7, 5, 4, 3),
)


def _c4_bit(row: int, col: int) -> int:
    return 1 << (7 * col + 5 - row)


def _c4_weight_masks() -> tuple[tuple[int, int], ...]:
    masks: dict[int, int] = {}
    for row in range(6):
        for col in range(7):
            weight = _C4_WEIGHTS[row][col]
            masks[weight] = masks.get(weight, 0) | _c4_bit(row, col)
    return tuple(sorted(masks.items()))


_C4_WEIGHT_MASKS = _c4_weight_masks()


def _c4_winning_cells(pos: int, mask: int) -> int:
    """Empty cells that would complete four in a row for the stones ``pos``."""
    r = (pos << 1) & (pos << 2) & (pos << 3)
    for shift in (7, 6, 8):  # horizontal and the two diagonals
        p = (pos << shift) & (pos << 2 * shift)
        r |= p & (pos << 3 * shift)
        r |= p & (pos >> shift)
        p = (pos >> shift) & (pos >> 2 * shift)
        r |= p & (pos << shift)
        r |= p & (pos >> 3 * shift)
    return r & (_C4_BOARD ^ mask)


def _c4_evaluate(cur: int, mask: int) -> int:
    """Heuristic score of a quiet position for the player to move (stones ``cur``)."""
    opp = cur ^ mask
    score = 16 * (
        _c4_winning_cells(cur, mask).bit_count() - _c4_winning_cells(opp, mask).bit_count()
    )
    for weight, cells in _C4_WEIGHT_MASKS:
        score += weight * ((cur & cells).bit_count() - (opp & cells).bit_count())
    return score


def _c4_candidates(cur: int, mask: int) -> tuple[int, int]:
    """(winning moves, moves that do not lose at once) for the mover, as bitmasks of cells."""
    possible = (mask + _C4_BOTTOM) & _C4_BOARD
    wins = _c4_winning_cells(cur, mask) & possible
    if wins:
        return wins, 0
    opp_wins = _c4_winning_cells(cur ^ mask, mask)
    forced = possible & opp_wins
    if forced:
        if forced & (forced - 1):
            return 0, 0  # two threats at once: every move loses
        possible = forced
    return 0, possible & ~(opp_wins >> 1)  # never play just below an opponent's winning cell


def _c4_ordered(cur: int, mask: int, moves: int, first: int | None) -> list[int]:
    """Columns of the ``moves`` bitmask, best guesses first."""
    scored = []
    for rank, col in enumerate(_C4_ORDER):
        move = moves & _C4_COLUMN[col]
        if move:
            threats = _c4_winning_cells(cur | move, mask | move).bit_count()
            scored.append((col != first, -threats, rank, col))
    scored.sort()
    return [col for *_, col in scored]


def _c4_negamax(
    cur: int, mask: int, stones: int, depth: int, alpha: int, beta: int, clock: _Clock, best: dict
) -> int:
    clock.tick()
    if stones == 42:
        return 0
    wins, moves = _c4_candidates(cur, mask)
    if wins:
        return _C4_WIN - stones - 1
    if not moves:
        return -(_C4_WIN - stones - 2)
    if depth == 0:
        return _c4_evaluate(cur, mask)
    key = cur + mask
    best_col = None
    for col in _c4_ordered(cur, mask, moves, best.get(key)):
        move = moves & _C4_COLUMN[col]
        value = -_c4_negamax(
            cur ^ mask, mask | move, stones + 1, depth - 1, -beta, -alpha, clock, best
        )
        if value > alpha:
            alpha, best_col = value, col
            if alpha >= beta:
                break
    if best_col is not None:
        best[key] = best_col
    return alpha


def c4_move(state: np.ndarray, budget: float) -> int:
    clock = _Clock(budget)
    mover = state[42]
    cur = mask = 0
    for index in np.flatnonzero(state[:42]):
        row, col = divmod(int(index), 7)
        bit = _c4_bit(row, col)
        mask |= bit
        if state[index] == mover:
            cur |= bit
    stones = int(np.count_nonzero(state[:42]))
    wins, moves = _c4_candidates(cur, mask)
    if wins:
        return next(col for col in range(7) if wins & _C4_COLUMN[col])
    if not moves:  # lost against best play: play anything legal and hope
        moves = (mask + _C4_BOTTOM) & _C4_BOARD
    best: dict[int, int] = {}
    choice = _c4_ordered(cur, mask, moves, None)[0]
    for depth in range(1, 43 - stones):
        try:
            alpha, depth_choice = -_C4_WIN * 2, None
            for col in _c4_ordered(cur, mask, moves, choice):
                move = moves & _C4_COLUMN[col]
                child = (cur ^ mask, mask | move, stones + 1, depth - 1)
                value = -_c4_negamax(*child, -_C4_WIN * 2, -alpha, clock, best)
                if value > alpha:
                    alpha, depth_choice = value, col
        except _OutOfTime:
            break
        choice = depth_choice if depth_choice is not None else choice
        if abs(alpha) > _C4_WIN // 2:
            break  # the game is decided within the horizon: deeper search cannot change it
    return choice


# --------------------------------------------------------------------------------------------
# quarto: pieces and their attributes as 4-bit ids; the pieces still to give as a 16-bit mask.

_Q_LINES = (
    *((4 * r, 4 * r + 1, 4 * r + 2, 4 * r + 3) for r in range(4)),
    *((c, c + 4, c + 8, c + 12) for c in range(4)),
    (0, 5, 10, 15),
    (3, 6, 9, 12),
)
# For every position, the lines through it as the three other positions of each line.
_Q_OTHERS_AT = tuple(
    tuple(tuple(p for p in line if p != pos) for line in _Q_LINES if pos in line)
    for pos in range(16)
)
# _Q_WINNERS[16 * ones + zeros]: the pieces that complete a line whose three pieces all have
# the attribute bits ``ones`` set and all have the bits ``zeros`` clear.
_Q_WINNERS = tuple(
    sum(1 << q for q in range(16) if q & (i >> 4) or ~q & i & 0xF) for i in range(256)
)


def _q_threats(board: list[int]) -> list[tuple[int, int]]:
    """(empty position, pieces that win there) for every line with three pieces and a hole."""
    threats = []
    for line in _Q_LINES:
        ones, zeros, hole, filled = 0xF, 0xF, -1, 0
        for pos in line:
            piece = board[pos]
            if piece < 0:
                hole = pos
            else:
                filled += 1
                ones &= piece
                zeros &= ~piece
        if filled == 3 and (ones or zeros):
            threats.append((hole, _Q_WINNERS[16 * ones + zeros]))
    return threats


def _q_safe_gifts(
    board: list[int], piece: int, pos: int, threats: list[tuple[int, int]], avail: int
) -> int:
    """The pieces of ``avail`` the opponent cannot win with once ``piece`` is placed on ``pos``."""
    unsafe = 0
    for hole, winners in threats:
        if hole != pos:
            unsafe |= winners
    for a, b, c in _Q_OTHERS_AT[pos]:
        pa, pb, pc = board[a], board[b], board[c]
        if (pa < 0) + (pb < 0) + (pc < 0) == 1:
            x, y = (pb, pc) if pa < 0 else (pa, pc) if pb < 0 else (pa, pb)
            ones, zeros = piece & x & y, ~piece & ~x & ~y & 0xF
            if ones or zeros:
                unsafe |= _Q_WINNERS[16 * ones + zeros]
    return avail & ~unsafe


def _q_bits(mask: int) -> list[int]:
    return [q for q in range(16) if mask >> q & 1]


def _q_winning_position(board: list[int], piece: int) -> int | None:
    for hole, winners in _q_threats(board):
        if winners >> piece & 1:
            return hole
    return None


def _q_negamax(
    board: list[int], piece: int, avail: int, depth: int, alpha: int, beta: int, clock: _Clock
) -> int:
    """Value for the mover, who must place ``piece``: 1 win, -1 loss, 0 draw or unknown."""
    clock.tick()
    threats = _q_threats(board)
    for _, winners in threats:
        if winners >> piece & 1:
            return 1
    moves = []
    for pos in range(16):
        if board[pos] < 0:
            safe = _q_safe_gifts(board, piece, pos, threats, avail)
            if safe:
                moves.append((pos, safe))
    if not moves:
        return -1  # whatever we give, the opponent wins with it
    if depth == 0:
        return 0
    best = -1
    for pos, safe in moves:
        board[pos] = piece
        try:
            for gift in _q_bits(safe):
                rest = avail & ~(1 << gift)
                if not rest:
                    value = 0  # the gift is placed on the last hole, safely: a draw
                else:
                    bound = -max(alpha, best)
                    value = -_q_negamax(board, gift, rest, depth - 1, -beta, bound, clock)
                if value > best:
                    best = value
                    if best >= beta:
                        return best
        finally:
            board[pos] = -1
    return best


def quarto_move(state: np.ndarray, rng: random.Random, budget: float) -> int:
    clock = _Clock(budget)
    board = [int(x) for x in state[:16]]
    piece = int(state[16])
    avail = 0xFFFF & ~(1 << piece)
    for x in board:
        if x >= 0:
            avail &= ~(1 << x)
    empty = [pos for pos in range(16) if board[pos] < 0]
    win_at = _q_winning_position(board, piece)
    if win_at is not None:
        return 16 * win_at + _q_bits(avail)[0]  # any gift: the game ends here
    threats = _q_threats(board)
    moves = [(pos, gift) for pos in empty for gift in _q_bits(avail)]
    rng.shuffle(moves)
    safe = [
        (pos, gift)
        for pos, gift in moves
        if _q_safe_gifts(board, piece, pos, threats, avail) >> gift & 1
    ]
    if not safe:
        return 16 * moves[0][0] + moves[0][1]  # every gift loses: nothing left to choose
    choice = safe[0]
    for depth in range(1, len(empty) + 1):
        try:
            best, depth_choice = -2, choice
            for pos, gift in [choice] + [m for m in safe if m != choice]:
                rest = avail & ~(1 << gift)
                if not rest:
                    value = 0  # the gift is placed on the last hole, safely: a draw
                else:
                    board[pos] = piece
                    try:
                        value = -_q_negamax(board, gift, rest, depth - 1, -1, -best, clock)
                    finally:
                        board[pos] = -1
                if value > best:
                    best, depth_choice = value, (pos, gift)
                    if best == 1:
                        break
        except _OutOfTime:
            break
        if best == -1:
            break  # every move loses against best play: keep the shallower choice
        choice = depth_choice
        if best == 1:
            break
    return 16 * choice[0] + choice[1]


# --------------------------------------------------------------------------------------------


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.train_mode = train_mode
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        return self._move(state, valid_actions)

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return self._move(state, valid_actions)

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass

    def _move(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        size = len(state)
        if size == 10:
            action = ttt_move(state, self.rng)
        elif size == 43:
            action = c4_move(state, MOVE_BUDGET)
        elif size == 17:
            action = quarto_move(state, self.rng, MOVE_BUDGET)
        else:
            print(f"minimax: unknown game (state of {size} entries), playing at random")
            action = None
        if action is None or action not in valid_actions:
            if action is not None:
                print(f"minimax: computed action {action} is not valid, playing at random")
            action = int(valid_actions[self.rng.randrange(len(valid_actions))])
        return int(action)
