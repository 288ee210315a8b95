"""Discover: the sources file and each source's feeds, sitemaps and URL lists in; normalised article links out."""
