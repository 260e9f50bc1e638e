"""Prometheus metrics and the HTTP server that exposes them: shared by both edges (the replay
CLI and the streaming workers/feeder). The core (``models``, ``zones``) counts in plain data —
``DecodeStats``, ``FleetStats``, ``EncounterStats`` — and never imports this package."""
