"""What runs inside the build containers: the base image recipe and the install step."""
