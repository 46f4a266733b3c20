"""The `assetmap` command."""
