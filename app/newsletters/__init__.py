"""Monthly ward newsletters: a ward's month gathered from the listings (newsletter.py), printed as a PDF (render.py)."""
