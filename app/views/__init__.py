"""Blueprints: thin views over app.search."""
