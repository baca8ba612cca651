"""Our actors (member coops, the network Group, the instance actor) and their follows."""
