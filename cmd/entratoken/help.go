package main

import (
	"fmt"
	"os"
	"sync"
	"text/template"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// registerTemplateFuncs adds the help templates' functions to cobra once.
// They are pure: the width is written into each root's templates.
var registerTemplateFuncs = sync.OnceFunc(func() {
	cobra.AddTemplateFuncs(template.FuncMap{"wrap": wrapText})
})

// helpTemplate is cobra's help template with the text wrapped to %[1]d
// columns; usageTemplate is its usage template, likewise (the flags'
// descriptions continue under their column).
const (
	helpTemplate = `{{with (or .Long .Short)}}{{wrap %[1]d . | trimTrailingWhitespaces}}

{{end}}{{if or .Runnable .HasSubCommands}}{{.UsageString}}{{end}}`

	usageTemplate = `{{wrap %[1]d "Usage:"}}{{if .Runnable}}
{{wrap %[1]d (printf "  %%s" .UseLine)}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if .HasExample}}

Examples:
{{wrap %[1]d .Example}}{{end}}{{if .HasAvailableSubCommands}}

Available Commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
{{wrap %[1]d (printf "  %%s %%s" (rpad .Name .NamePadding) .Short)}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{wrap %[1]d .LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{wrap %[1]d .InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasHelpSubCommands}}

Additional help topics:{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
{{wrap %[1]d (printf "  %%s  %%s" (rpad .CommandPath .CommandPathPadding) .Short)}}{{end}}{{end}}{{end}}{{if .HasAvailableSubCommands}}

{{wrap %[1]d (printf "Use \"%%s [command] --help\" for more information about a command." .CommandPath)}}{{end}}
`
)

// setHelp makes root's help (and every command's, which inherit it) wrap to
// the width of the terminal, COLUMNS, or the default for a pipe, and
// returns that width.
func setHelp(f *Factory, root *cobra.Command) int {
	registerTemplateFuncs()
	tw := 0
	if out, ok := f.IO.Out.(*os.File); ok && f.IO.OutTTY {
		if w, _, err := term.GetSize(int(out.Fd())); err == nil {
			tw = w
		}
	}
	w := helpWidth(f.Getenv("COLUMNS"), tw)
	root.SetHelpTemplate(fmt.Sprintf(helpTemplate, w))
	root.SetUsageTemplate(fmt.Sprintf(usageTemplate, w))
	return w
}

// missingArgs says, for each command that needs an argument, what it is, so
// that forgetting it gets a sentence rather than "accepts 1 arg(s)".
var missingArgs = map[string]string{
	"call":          "the URL to send to (entratoken call https://contoso.azure-api.net/orders ...)",
	"trace explain": "the trace file (a saved APIM gateway trace, JSON)",
}

// sayMissingArgs wraps the argument checks of the commands in missingArgs.
func sayMissingArgs(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		name := c.CommandPath()[len(root.Name()):]
		if len(name) > 0 {
			name = name[1:]
		}
		if what, ok := missingArgs[name]; ok {
			check := c.Args
			c.Args = func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 {
					return flagErrorf("%s needs %s", name, what)
				}
				if check != nil {
					return check(cmd, args)
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
