"""The local cloud's web console (served by the edge at /_console/) and the logic it shares with the CLI."""
