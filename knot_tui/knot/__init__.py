"""knot's API: an async client, wire models, the SSE feed, the logs and SSH WebSockets.

Nothing in this package imports Textual.
"""
