"""Tag: an article's headline and text in; the countries and IPTC Media Topics it covers out (models in data/)."""
