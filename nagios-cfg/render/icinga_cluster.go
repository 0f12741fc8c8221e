package render

import (
	"fmt"
	"strings"

	"edgecheck/nagios-cfg/inventory"
)

// ClusterFile is the master zone's file of cluster health objects: one
// Host per satellite endpoint checked with the ITL's cluster-zone
// CheckCommand, and the dependencies that mark a lost zone's hosts and
// services unreachable.
const ClusterFile = "edgecheck-cluster.conf"

// clusterHealth is how often the master (for satellites) and a satellite
// (for its agents) ask whether a child zone is connected: DOWN after
// max_check_attempts failed checks, within about
// check_interval + 2 * retry_interval of the zone's loss.
const clusterHealth = "\tcheck_interval = 1m\n\tretry_interval = 30s\n"

// icingaCluster renders the master zone's health objects of environment
// e, or "" when e has no satellite zone.
func icingaCluster(f *inventory.Fleet, e *inventory.Env) string {
	t := topologyOf(e)
	var b strings.Builder
	for _, c := range e.Cells {
		for _, n := range t.zone(zoneOf(e, c)).Endpoints {
			if n.Role != RoleSatellite {
				break
			}
			clusterHost(&b, e, c, n)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return header(f.Source(e.File), f.Source(f.DefaultsFile)) +
		"# Cluster health of environment " + e.Name + ", checked by the master: each\n" +
		"# satellite zone's Host goes DOWN (and notifies) when the zone is no longer\n" +
		"# connected (ITL cluster-zone); the hosts and services of that zone then\n" +
		"# become unreachable (last_reachable false) instead of staying OK at their\n" +
		"# last result.\n\n" + `template Host "edgecheck-cluster-zone" {
	import "edgecheck-host"
	check_command = "cluster-zone"
` + clusterHealth + `	max_check_attempts = 3
}

` + satelliteDependency + strings.TrimSuffix(b.String(), "\n")
}

// satelliteDependency makes the hosts of a satellite's zone depend on the
// satellite's cluster-zone Host, so they become unreachable, not stale,
// when the zone is disconnected. Their services need no Dependency of their
// own: Icinga 2 gives every service an implicit dependency on its host, and
// "not only the immediate parent is taken into account but all parents are
// inherited" (Icinga 2 docs, Dependencies). One Dependency per service
// would be 60,000 more objects on the master of a 10,000-hypervisor fleet.
const satelliteDependency = `apply Dependency "edgecheck-satellite" to Host {
	parent_host_name = host.vars.edgecheck_satellite
	disable_checks = false
	disable_notifications = true
	states = [ Up ]
	assign where host.vars.edgecheck_satellite
}

`

// clusterHost writes the Host standing for satellite n of cell c, with
// the notification settings of the cell's hosts.
func clusterHost(b *strings.Builder, e *inventory.Env, c *inventory.Cell, n *icingaNode) {
	fmt.Fprintf(b, "object Host %s {\n\timport \"edgecheck-cluster-zone\"\n", istr(n.Name))
	fmt.Fprintf(b, "\tdisplay_name = %s\n", istr("Icinga 2 satellite zone "+n.Zone))
	if n.Host != "" {
		fmt.Fprintf(b, "\taddress = %s\n", istr(n.Host))
	}
	fmt.Fprintf(b, "\tvars.cluster_zone = %s\n\tvars.edgecheck_env = %s\n\tvars.edgecheck_zone = %s\n", istr(n.Zone), istr(e.Name), istr(n.Zone))
	if len(c.Hosts) > 0 {
		s := c.Hosts[0].Settings
		fmt.Fprintf(b, "\tenable_notifications = %t\n", s.Notifications)
		if len(s.ContactGroups) > 0 {
			fmt.Fprintf(b, "\tvars.edgecheck_contact_groups = %s\n\tvars.edgecheck_notification_interval = %dm\n\tvars.edgecheck_notification_period = %s\n",
				ilist(s.ContactGroups), s.NotifInterval, istr(icingaPeriod(s.NotifPeriod)))
		}
	}
	b.WriteString("}\n\n")
}

// agentHostCheck makes an agent's Host checked by its parent zone with
// cluster-zone: DOWN when the agent is not connected.
func agentHostCheck(b *strings.Builder, h *inventory.Host) {
	if !hasAgent(h) {
		return
	}
	fmt.Fprintf(b, "\tcheck_command = \"cluster-zone\"\n\tvars.cluster_zone = %s\n%s", istr(h.Name), clusterHealth)
}
