"""`make bench`: figures, printed, not asserted. The README keeps the latest run's figures."""
