// The blunder report: draws each position with the game's own renderer
// (window.ArenaRender[slug](state, element), loaded just before this file). Without it the
// page still says the moves in words.
(function () {
  "use strict";

  var list = document.getElementById("blunders");
  if (!list) return;
  var render = window.ArenaRender && window.ArenaRender[list.dataset.game];
  if (typeof render !== "function") return;
  list.querySelectorAll(".blunder-board[data-state]").forEach(function (board) {
    var state = board.dataset.state.split(",").map(Number);
    try {
      render(state, board);
    } catch (error) {
      board.textContent = "";
    }
  });
})();
