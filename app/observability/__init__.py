"""What an operator watches: Prometheus metrics of the service and of the game state manager."""
