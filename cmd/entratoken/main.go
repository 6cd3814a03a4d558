// Command entratoken makes Microsoft Entra ID access tokens and Azure API
// Management 401s understandable. See README.md and spec/cli.md.
package main

import "os"

func main() { os.Exit(Main()) }
