"""The web app's views: each checks access, calls one service or selector, and renders."""
