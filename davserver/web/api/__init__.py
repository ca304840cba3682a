"""The JSON API under /api/v1 (issue 4 §5): one blueprint module per resource family."""
