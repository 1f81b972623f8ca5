"""Property tests (hypothesis) over random command sequences."""
