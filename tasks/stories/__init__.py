"""Stories: near-duplicate and syndicated copies of one article grouped under one story id (MinHash LSH)."""
