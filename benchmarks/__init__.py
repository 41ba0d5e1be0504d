"""Benchmarks of the search service against shared data in ../shared/bench (read, never copied)."""
