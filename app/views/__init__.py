"""Blueprints: thin views over the domain packages (assets, traders, accounts)."""
