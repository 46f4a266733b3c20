"""Listings: the CSV contract, schedules, the build, search, edits, suggestions, import and export."""
