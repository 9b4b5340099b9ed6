"""One router per resource; the app factory lists them."""
