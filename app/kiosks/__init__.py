"""Library kiosks: public touch screens that show the map in a library."""
