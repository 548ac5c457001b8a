"""Applications: the one window — intake, delivery to the authorised bodies, results issued at any centre."""
