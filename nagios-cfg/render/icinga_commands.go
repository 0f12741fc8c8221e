package render

// GlobalCommandsFile is the copy of CommandsFile that travels in the
// global-templates zone, so that every node of the cluster has the
// CheckCommands its zones.d objects name, including a master that runs
// no check itself (it still validates the Services that use them) and an
// agent without the edgecheck package.
const GlobalCommandsFile = GlobalTemplatesDir + "/edgecheck-commands.conf"

// The guard around the CheckCommands: the first copy a node compiles (the
// package's plugins-contrib.d/edgecheck.conf, the tree's CommandsFile
// included from icinga2.conf, or the global zone's GlobalCommandsFile)
// defines them and sets the global EdgecheckCommands; every later copy is
// skipped instead of failing with "An object with type 'CheckCommand' and
// name ... already exists".
const (
	commandsGuardOpen  = "\nif (!globals.contains(\"EdgecheckCommands\")) {\nglobals.EdgecheckCommands = true\n\n"
	commandsGuardClose = "\n} // EdgecheckCommands\n"
)
