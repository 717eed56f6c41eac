"""OneStop: one-stop support for victims of stalking, dating violence and digital sex crimes."""
