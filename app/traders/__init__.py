"""Trust a trader: traders, checks, recommendations, and their import and export."""
