"""Places: postcodes, wards and where a search starts (postcode -> point -> ward); no Flask."""
