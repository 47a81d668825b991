"""The sandbox marketplace: a small local shop for the demo and the tests.

It publishes listings the way real shops do (HTML pages carrying schema.org JSON-LD,
and an RSS feed); new listings appear and prices drop as time passes. Deal Scout reads
it with the real ``jsonld`` agent through the real HTTP client.
"""
