"""The knowledge base: FAQ entries, regions, curation, retrieval index and curated content."""
