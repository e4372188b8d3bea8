"""Security building blocks of the server: secrets, passwords, rate limits, client addresses."""
