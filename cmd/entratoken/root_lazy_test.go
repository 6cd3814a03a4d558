package main

import (
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/iostreams"
)

func TestInvoked(t *testing.T) {
	for args, want := range map[string]string{
		"inspect TOKEN":                  "inspect",
		"-o json diagnose --policy x":    "diagnose",
		"--timeout 5s --tenant t call u": "call",
		"--output=json version":          "version",
		"help inspect":                   "help",
		"":                               "",
		"-v -- inspect":                  "",
	} {
		if got := invoked(strings.Fields(args)); got != want {
			t.Errorf("invoked(%q) = %q, want %q", args, got, want)
		}
	}
}

// TestLazyRootTree: a tree built for one command holds just it, and one
// built for anything else (help, a typo) holds every command, so help and
// suggestions still see them all.
func TestLazyRootTree(t *testing.T) {
	f := func() *Factory {
		return &Factory{IO: &iostreams.IOStreams{}, Getenv: func(string) string { return "" }}
	}
	if n := len(newRootCmd(f(), "inspect").Commands()); n != 1 {
		t.Errorf("inspect's tree has %d commands", n)
	}
	for _, only := range []string{"help", "inspcet", ""} {
		if n := len(newRootCmd(f(), only).Commands()); n < 8 {
			t.Errorf("%q: the tree has %d commands, want them all", only, n)
		}
	}
}
