"""Log lines for the logs screen, without Textual: cleaning, buffering, views, sources."""
