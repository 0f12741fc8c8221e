// Command check_rabbitmq_queues checks RabbitMQ queue depth, consumers and
// growth through the management API.
package main

import (
	_ "edgecheck/plugins/rabbitmqqueues"
	"edgecheck/shared/runner"
)

func main() { runner.Main("check_rabbitmq_queues") }
