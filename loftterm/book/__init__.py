"""The book: the local contact hub kept in one TinyDB JSON file."""

from loftterm.book.book import SCHEMA_VERSION, Book

__all__ = ["SCHEMA_VERSION", "Book"]
