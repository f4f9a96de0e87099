"""The book: the local contact hub kept in one TinyDB JSON file."""

from loftterm.book.book import Book
from loftterm.book.saving import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "Book"]
