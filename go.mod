module edgecheck

go 1.26.8

require (
	github.com/atc0005/go-nagios v0.20.0 // indirect
	github.com/digitalocean/go-openvswitch v0.0.0-20241021184246-19e734367535 // indirect
	github.com/goccy/go-yaml v1.19.2 // indirect
	github.com/gosnmp/gosnmp v1.47.0 // indirect
	github.com/klauspost/compress v1.17.11 // indirect
	github.com/michaelklishin/rabbit-hole/v2 v2.16.0 // indirect
	github.com/rabbitmq/amqp091-go v1.16.0 // indirect
	github.com/spf13/pflag v1.0.10 // indirect
	github.com/ulikunitz/xz v0.5.12 // indirect
	github.com/vishvananda/netlink v1.3.1 // indirect
	github.com/vishvananda/netns v0.0.5 // indirect
	golang.org/x/sys v0.14.0 // indirect
)
