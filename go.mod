module edgecheck

go 1.26.8

require (
	github.com/atc0005/go-nagios v0.20.0
	github.com/digitalocean/go-openvswitch v0.0.0-20241021184246-19e734367535
	github.com/goccy/go-yaml v1.19.2
	github.com/gofrs/flock v0.13.0
	github.com/google/renameio/v2 v2.0.2
	github.com/gosnmp/gosnmp v1.47.0
	github.com/klauspost/compress v1.17.11
	github.com/michaelklishin/rabbit-hole/v2 v2.16.0
	github.com/pmezard/go-difflib v1.0.0
	github.com/rabbitmq/amqp091-go v1.16.0
	github.com/spf13/pflag v1.0.10
	github.com/ulikunitz/xz v0.5.12
	github.com/vishvananda/netlink v1.3.1
	golang.org/x/sys v0.37.0
)

require (
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/vishvananda/netns v0.0.5
)

require golang.org/x/text v0.14.0 // indirect
