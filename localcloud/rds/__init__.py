"""Amazon RDS, locally: manual snapshots that take time and emit events (snapshots.py), planned per instance or
snapshot through an admin endpoint (part.py)."""
