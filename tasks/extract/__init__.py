"""Extract: a page's bytes in; an article record (headline, body, date, authors, agencies, language) or a reason out."""
