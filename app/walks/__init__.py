"""Patch walks: connectors walking their patch to check listings and find new ones."""
