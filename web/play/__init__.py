"""Playing against an agent in the browser: human matches, their sandboxes and their data."""
