"""The pages: one module per area, each route parse → one service call → render."""
