"""File formats the data is published in: GeoJSON, spreadsheet-safe CSV."""
